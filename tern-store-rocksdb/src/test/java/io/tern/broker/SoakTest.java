package io.tern.broker;

import io.tern.broker.config.PersistenceSync;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Opt-in soak (profile {@code -Psoak}, or {@code -Dtern.soak.minutes=N}): a mixed workload against a broker
 * with persistence on, for N minutes (30 in the profile): QoS 0/1/2 publishers, retained updates, a subscriber
 * that takes everything, a slow consumer, clients with wills that drop their connection and come back, and
 * two connections that keep taking one client id from each other. Heap (after GC), RSS, threads and file
 * descriptors of this JVM (broker and clients) are sampled each minute and printed; after warm-up (the first
 * two minutes) they must stay flat.
 */
class SoakTest {

    private static final String MINUTES = System.getProperty("tern.soak.minutes", "");

    @TempDir
    Path dir;

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    @Test
    void mixedWorkloadStaysFlat() throws Exception {
        Assumptions.assumeFalse(MINUTES.isBlank(), "soak runs only with -Psoak or -Dtern.soak.minutes=N");
        int minutes = Integer.parseInt(MINUTES);
        long sampleMillis = Long.getLong("tern.soak.sampleMillis", 60_000L);
        try (TestBroker broker = TestBroker.start(c -> c.persistence(true).persistenceLocation(dir.toString())
                .persistenceFile("tern.db").persistenceSync(PersistenceSync.BATCH).maxQueuedMessages(1000)
                .maxQueuedBytes(1 << 20))) {
            int port = broker.port();
            List<Thread> workers = new ArrayList<>();
            for (int qos = 0; qos <= 2; qos++) {
                int q = qos;
                workers.add(worker("publisher-q" + q, () -> publisher(port, q)));
            }
            workers.add(worker("retained", () -> retained(port)));
            workers.add(worker("subscriber", () -> subscriber(port, "all", 0, 2)));
            // QoS 0 and silent: it stops throttling the publishers after a second and its queue limits apply
            workers.add(worker("slow", () -> subscriber(port, "slow", 20, 0)));
            workers.add(worker("wills", () -> wills(port)));
            workers.add(worker("takeover", () -> takeover(port)));
            workers.forEach(Thread::start);

            List<long[]> samples = new ArrayList<>();
            System.out.println("minute  heap-MB  rss-MB  threads  fds  published  delivered");
            long end = System.currentTimeMillis() + minutes * 60_000L;
            for (int minute = 1; System.currentTimeMillis() < end && failure.get() == null; minute++) {
                Thread.sleep(Math.min(sampleMillis, Math.max(1, end - System.currentTimeMillis())));
                long[] s = sample();
                samples.add(s);
                System.out.printf("%6d  %7d  %6d  %7d  %3d  %9d  %9d%n", minute, s[0] >> 20, s[1] >> 20, s[2], s[3],
                        published.get(), delivered.get());
            }
            running = false;
            for (Thread t : workers) {
                t.join(30_000);
            }
            System.out.println("reconnects after the broker closed a connection: " + reconnects.get());
            assertThat(failure.get()).as("a workload thread failed").isNull();
            assertThat(delivered.get()).isPositive();
            if (samples.size() > 3) {
                long[] warm = samples.get(1);
                long[] last = samples.get(samples.size() - 1);
                assertThat(last[0]).as("heap after GC").isLessThan(warm[0] * 2 + (64L << 20));
                assertThat(last[2]).as("threads").isLessThanOrEqualTo(warm[2] + 8);
                assertThat(last[3]).as("file descriptors").isLessThanOrEqualTo(warm[3] + 32);
            }
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Connections the broker closed under a worker, which then reconnected (as a real client does). */
    private final AtomicLong reconnects = new AtomicLong();

    private Thread worker(String name, Body body) {
        Thread t = new Thread(() -> {
            while (running) {
                try {
                    body.run();
                } catch (IOException e) {
                    if (running) {
                        reconnects.incrementAndGet();
                        System.out.println(name + " lost its connection (" + e + "), reconnecting");
                    }
                } catch (Throwable e) {
                    if (running) {
                        failure.compareAndSet(null, new AssertionError(name + " failed", e));
                    }
                    return;
                }
            }
        }, "soak-" + name);
        t.setDaemon(true);
        return t;
    }

    /** Publishes at about 200 messages a second at one QoS, completing each flow. */
    private void publisher(int port, int qos) throws Exception {
        byte[] payload = new byte[256];
        try (RawClient c = new RawClient(port, MqttVersion.MQTT_5)) {
            c.connect("soak-pub-" + qos);
            for (int id = 1; running; id = id % 65535 + 1) {
                c.send(new Packet.Publish("soak/q" + qos + "/" + (id % 10), qos, false, false, qos == 0 ? 0 : id,
                        payload, Properties.EMPTY));
                if (qos == 1) {
                    c.next();
                } else if (qos == 2) {
                    c.next();
                    c.send(new Packet.PubRel(id, 0, Properties.EMPTY));
                    c.next();
                }
                published.incrementAndGet();
                if (id % 20 == 0) {
                    Thread.sleep(100);
                }
            }
        }
    }

    private void retained(int port) throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.connect("soak-retained");
            for (long i = 0; running; i++) {
                c.send(new Packet.Publish("soak/retained/" + (i % 100), 1, true, false, 1,
                        ("v" + i).getBytes(StandardCharsets.UTF_8), Properties.EMPTY));
                c.next();
                Thread.sleep(50);
            }
        }
    }

    /** A persistent subscriber to everything; {@code pauseMillis} between packets makes it a slow consumer. */
    private void subscriber(int port, String id, long pauseMillis, int qos) throws Exception {
        try (RawClient c = new RawClient(port, MqttVersion.MQTT_5)) {
            c.connect("soak-sub-" + id, false, 60, null,
                    Properties.builder().put(PropertyId.SESSION_EXPIRY_INTERVAL, 600L).build());
            c.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("soak/#", qos)), Properties.EMPTY));
            c.setTimeout(2_000);
            long nextPing = System.nanoTime();
            while (running) {
                if (System.nanoTime() - nextPing >= 0) {
                    c.send(Packet.PingReq.INSTANCE); // keep-alive: a consumer that only reads sends nothing else
                    nextPing = System.nanoTime() + 20_000_000_000L;
                }
                Packet p;
                try {
                    p = c.next();
                } catch (java.net.SocketTimeoutException e) {
                    continue;
                }
                if (p instanceof Packet.Publish pub) {
                    if (pub.qos() == 1) {
                        c.send(new Packet.PubAck(pub.packetId(), 0, Properties.EMPTY));
                    } else if (pub.qos() == 2) {
                        c.send(new Packet.PubRec(pub.packetId(), 0, Properties.EMPTY));
                    }
                    delivered.incrementAndGet();
                } else if (p instanceof Packet.PubRel rel) {
                    c.send(new Packet.PubComp(rel.packetId(), 0, Properties.EMPTY));
                }
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
            }
        }
    }

    /** Clients with wills that lose their connection (no DISCONNECT) and come back to their session. */
    private void wills(int port) throws Exception {
        for (long i = 0; running; i++) {
            RawClient c = new RawClient(port);
            c.connect("soak-will-" + (i % 5), false, 30, new Packet.Will("soak/wills/" + (i % 5),
                    "gone".getBytes(StandardCharsets.UTF_8), 1, false, Properties.EMPTY));
            c.close();
            Thread.sleep(200);
        }
    }

    /** Two connections that keep taking one client id from each other [MQTT-3.1.4-3]. */
    private void takeover(int port) throws Exception {
        List<RawClient> open = new ArrayList<>();
        try {
            for (long i = 0; running; i++) {
                RawClient c = new RawClient(port, MqttVersion.MQTT_5);
                c.connect("soak-taken");
                open.add(c);
                if (open.size() > 2) {
                    open.remove(0).close();
                }
                Thread.sleep(300);
            }
        } finally {
            for (RawClient c : open) {
                c.close();
            }
        }
    }

    /** Heap after GC, RSS, live threads and open file descriptors of this JVM. */
    private static long[] sample() throws IOException {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        long fds;
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        }
        return new long[] {heap, rss, Thread.activeCount(), fds};
    }
}
