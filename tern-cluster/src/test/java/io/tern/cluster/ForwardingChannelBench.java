package io.tern.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import io.tern.broker.config.ClusterConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The measurement behind the forwarding channel (docs/DESIGN.md "Cluster"): one-way latency of single-message
 * frames at a fixed rate, and messages per second with 512-message frames, over a Hazelcast ITopic between two
 * members against a plain TCP connection (the floor a member-to-member Netty link could reach). Run on request:
 * {@code mvn -pl tern-cluster -am test -Dtest=ForwardingChannelBench -Dtern.bench=true -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "tern.bench", matches = "true")
class ForwardingChannelBench {

    static final int MESSAGE = 100; // bytes: a 64-byte payload with its topic and header
    static final int RATE = 5_000;
    static final int LATENCY_FRAMES = 25_000;
    static final int BATCH = 512;
    static final int THROUGHPUT_FRAMES = 2_000;

    interface Channel extends AutoCloseable {
        void send(byte[] frame) throws Exception;

        @Override
        void close() throws Exception;
    }

    @Test
    void hazelcastTopicAgainstPlainTcp() throws Exception {
        System.setProperty("hazelcast.wait.seconds.before.join", "0");
        for (int round = 0; round < 2; round++) {
            report("hazelcast ITopic", this::hazelcast);
            report("plain TCP       ", this::tcp);
        }
    }

    private interface Factory {
        Channel open(Consumer<byte[]> receiver) throws Exception;
    }

    private void report(String name, Factory f) throws Exception {
        long[] lat = new long[LATENCY_FRAMES];
        AtomicInteger n = new AtomicInteger();
        AtomicLong received = new AtomicLong();
        CountDownLatch latencyDone = new CountDownLatch(1);
        CountDownLatch bulkDone = new CountDownLatch(1);
        try (Channel ch = f.open(frame -> {
            ByteBuffer b = ByteBuffer.wrap(frame);
            int kind = b.getInt();
            if (kind == 0) {
                int i = n.getAndIncrement();
                if (i < lat.length) {
                    lat[i] = System.nanoTime() - b.getLong();
                }
                if (i == lat.length - 1) {
                    latencyDone.countDown();
                }
            } else if (received.addAndGet(BATCH) == (long) BATCH * THROUGHPUT_FRAMES) {
                bulkDone.countDown();
            }
        })) {
            long interval = 1_000_000_000L / RATE;
            long next = System.nanoTime();
            for (int i = 0; i < LATENCY_FRAMES; i++) {
                while (System.nanoTime() < next) {
                    Thread.onSpinWait();
                }
                next += interval;
                byte[] frame = new byte[MESSAGE];
                ByteBuffer.wrap(frame).putInt(0).putLong(System.nanoTime());
                ch.send(frame);
            }
            latencyDone.await(60, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            for (int i = 0; i < THROUGHPUT_FRAMES; i++) {
                byte[] frame = new byte[MESSAGE * BATCH];
                ByteBuffer.wrap(frame).putInt(1);
                ch.send(frame);
            }
            bulkDone.await(60, TimeUnit.SECONDS);
            double secs = (System.nanoTime() - t0) / 1e9;
            Arrays.sort(lat);
            System.out.printf("%s: 1-message frames at %d/s: p50 %d us, p99 %d us; %d-message frames: %.0f msg/s%n",
                    name, RATE, lat[lat.length / 2] / 1000, lat[lat.length * 99 / 100] / 1000, BATCH,
                    BATCH * THROUGHPUT_FRAMES / secs);
        }
    }

    private Channel hazelcast(Consumer<byte[]> receiver) {
        String name = "bench-" + System.nanoTime();
        int p1 = TestCluster.freePort();
        int p2 = TestCluster.freePort();
        HazelcastInstance a = Hazelcast.newHazelcastInstance(config(name, p1, p2, "a"));
        HazelcastInstance b = Hazelcast.newHazelcastInstance(config(name, p2, p1, "b"));
        ITopic<byte[]> inbox = b.getTopic("inbox");
        inbox.addMessageListener(m -> receiver.accept(m.getMessageObject()));
        ITopic<byte[]> out = a.getTopic("inbox");
        return new Channel() {
            @Override
            public void send(byte[] frame) {
                out.publish(frame);
            }

            @Override
            public void close() {
                a.getLifecycleService().terminate();
                b.getLifecycleService().terminate();
            }
        };
    }

    private static Config config(String name, int port, int other, String id) {
        return HazelcastSetup.config(new ClusterConfig().name(name).port(port).bindAddress("127.0.0.1")
                .addMember("127.0.0.1", other), id);
    }

    private Channel tcp(Consumer<byte[]> receiver) throws IOException {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        client.setTcpNoDelay(true);
        Socket accepted = server.accept();
        Thread reader = new Thread(() -> {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(accepted.getInputStream(), 1 << 16))) {
                while (true) {
                    byte[] frame = new byte[in.readInt()];
                    in.readFully(frame);
                    receiver.accept(frame);
                }
            } catch (IOException e) {
                // closed
            }
        }, "tcp-reader");
        reader.setDaemon(true);
        reader.start();
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(client.getOutputStream(), 1 << 16));
        return new Channel() {
            @Override
            public void send(byte[] frame) throws IOException {
                out.writeInt(frame.length);
                out.write(frame);
                out.flush();
            }

            @Override
            public void close() throws IOException {
                client.close();
                accepted.close();
                server.close();
            }
        };
    }
}
