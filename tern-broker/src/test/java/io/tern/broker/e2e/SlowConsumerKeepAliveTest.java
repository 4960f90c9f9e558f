package io.tern.broker.e2e;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tern.broker.Broker;
import io.tern.broker.RawClient;
import io.tern.codec.MqttDecoder;
import io.tern.codec.MqttEncoder;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keep-alive [MQTT-3.1.2-22] against a consumer slower than its publisher. While a connection's output is
 * backed up the broker stops reading from it, so the consumer's PINGREQs and PUBACKs wait unread in the kernel:
 * the broker must not cut off a consumer that is slow but alive for its own read pause (found by SoakTest),
 * and must still cut off a peer that has really gone silent.
 *
 * <p>The deliveries are large (64 kB, 100 in flight): loopback sockets buffer about 3 MB in the kernel, so only
 * more than that backs up the broker's own output.
 */
class SlowConsumerKeepAliveTest {

    private static final int MESSAGES = 100;
    private static final byte[] PAYLOAD = new byte[64 * 1024];
    /** 1 s: the broker allows 1.5 s of silence. */
    private static final int KEEP_ALIVE = 1;

    @Test
    void aSlowConsumerThatStillReadsStaysConnectedAndReceivesEverythingAtQos1() throws Exception {
        try (LogCapture log = new LogCapture();
             Broker broker = FloodTest.start(c -> c.maxInflightMessages(MESSAGES), l -> { });
             Subscriber slow = new Subscriber(broker.port(), "slow")) {
            Flood publisher = flood(broker.port());
            long t0 = System.nanoTime();
            long deadline = t0 + Duration.ofSeconds(60).toNanos();
            long nextPing = t0;
            int received = 0;
            // a few hundred kB/s (a 4 kB receive buffer), while the publisher offers far more: the broker's
            // output to it stays backed up for several seconds at a time, longer than 1.5 x keep-alive
            while (received < MESSAGES) {
                assertThat(System.nanoTime()).as("all %d messages within 60 s", MESSAGES).isLessThan(deadline);
                if (System.nanoTime() - nextPing >= 0) {
                    slow.send(Packet.PingReq.INSTANCE); // a live client keeps to its keep-alive
                    nextPing = System.nanoTime() + 500_000_000L;
                }
                Packet p;
                try {
                    p = slow.readSome(8 * 1024);
                } catch (IOException e) {
                    throw new AssertionError("the slow consumer was cut off after " + received + " messages, "
                            + (System.nanoTime() - t0) / 1_000_000 + " ms; the broker said " + log.lines(), e);
                }
                if (p instanceof Packet.Publish pub) {
                    assertThat(pub.topic()).isEqualTo("slow/" + received); // every one, in order
                    assertThat(pub.qos()).isEqualTo(1);
                    assertThat(pub.payload()).hasSize(PAYLOAD.length);
                    slow.send(new Packet.PubAck(pub.packetId(), 0, Properties.EMPTY));
                    received++;
                }
                Thread.sleep(5); // the consumer's pace, not a synchronisation
            }
            System.out.printf("slow consumer: %d x %d kB at QoS 1 in %d ms, still connected%n", MESSAGES,
                    PAYLOAD.length >> 10, (System.nanoTime() - t0) / 1_000_000);
            slow.send(Packet.PingReq.INSTANCE);
            Packet p;
            do {
                p = slow.readSome(64 * 1024);
            } while (!(p instanceof Packet.PingResp));
            publisher.join();
        }
    }

    @Test
    void aPeerThatStopsReadingAndSendingIsStillCutOffByKeepAlive() throws Exception {
        try (LogCapture log = new LogCapture();
             Broker broker = FloodTest.start(c -> c.maxInflightMessages(MESSAGES), l -> { });
             Subscriber dead = new Subscriber(broker.port(), "dead")) {
            long silentSince = System.nanoTime(); // its SUBSCRIBE was its last packet
            Flood publisher = flood(broker.port());
            String line = "Client dead has exceeded timeout, disconnecting.";
            Awaitility.await(line).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                    .until(() -> log.lines().contains(line));
            long millis = (System.nanoTime() - silentSince) / 1_000_000;
            System.out.printf("dead peer under a flood cut off %d ms after its last packet%n", millis);
            assertThat(millis).isGreaterThanOrEqualTo(KEEP_ALIVE * 1500L - 100);
            publisher.join();
        }
    }

    @Test
    void aClientThatSendsNothingIsCutOffAfterOneAndAHalfTimesItsKeepAlive() throws Exception {
        try (Broker broker = FloodTest.start(c -> { }, l -> { });
             RawClient quiet = new RawClient(broker.port())) {
            long t0 = System.nanoTime();
            assertThat(quiet.connect("quiet", true, KEEP_ALIVE, null).reasonCode()).isZero();
            assertThat(quiet.readUntilClosed()).isEmpty(); // [MQTT-3.1.2-22]: no DISCONNECT in 3.1.1
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(millis).isBetween(KEEP_ALIVE * 1500L - 100, KEEP_ALIVE * 1500L + 2000);
        }
    }

    /** 100 QoS 1 PUBLISHes of 64 kB to slow/0..99 from a thread, which then reads their PUBACKs. */
    private static Flood flood(int port) {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (RawClient pub = new RawClient(port)) {
                pub.setTimeout(30_000);
                assertThat(pub.connect("flood").reasonCode()).isZero();
                for (int i = 0; i < MESSAGES; i++) {
                    pub.send(new Packet.Publish("slow/" + i, 1, false, false, i + 1, PAYLOAD, Properties.EMPTY));
                }
                for (int i = 0; i < MESSAGES; i++) {
                    assertThat(pub.next()).isInstanceOf(Packet.PubAck.class);
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "flood");
        t.setDaemon(true);
        t.start();
        return new Flood(t, failed);
    }

    private record Flood(Thread thread, AtomicReference<Throwable> failed) {
        /** Waits (bounded) for the publisher: every PUBLISH acknowledged. */
        void join() throws InterruptedException {
            thread.join(30_000);
            assertThat(thread.isAlive()).as("publisher done within 30 s").isFalse();
            assertThat(failed.get()).as("publisher failed").isNull();
        }
    }

    /** A subscriber to slow/# at QoS 1 with a small receive buffer, reading as little at a time as it chooses. */
    private static final class Subscriber implements AutoCloseable {
        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;
        private final EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder(MqttVersion.MQTT_3_1_1, 0));
        private final ArrayDeque<Packet> packets = new ArrayDeque<>();

        Subscriber(int port, String id) throws IOException {
            socket.setReceiveBufferSize(4096); // before connect: it sets the advertised window
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
            send(new Packet.Connect(MqttVersion.MQTT_3_1_1, id, true, KEEP_ALIVE, null, null, null,
                    Properties.EMPTY));
            assertThat(next()).isInstanceOf(Packet.ConnAck.class);
            send(new Packet.Subscribe(1, List.of(new Packet.Subscription("slow/#", 1)), Properties.EMPTY));
            assertThat(next()).isInstanceOf(Packet.SubAck.class);
        }

        void send(Packet p) throws IOException {
            ByteBuf b = MqttEncoder.encode(p, MqttVersion.MQTT_3_1_1, UnpooledByteBufAllocator.DEFAULT);
            try {
                out.write(ByteBufUtil.getBytes(b));
            } finally {
                b.release();
            }
        }

        Packet next() throws IOException {
            Packet p;
            while ((p = readSome(8192)) == null) {
                // a packet longer than one read
            }
            return p;
        }

        /** The next decoded packet, after reading at most {@code max} bytes if none is decoded yet; or null. */
        Packet readSome(int max) throws IOException {
            if (packets.isEmpty()) {
                byte[] buf = new byte[max];
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("nothing from the broker for 10 s", e);
                }
                if (n < 0) {
                    throw new IOException("connection closed by the broker");
                }
                decoder.writeInbound(Unpooled.wrappedBuffer(buf, 0, n));
                Object o;
                while ((o = decoder.readInbound()) != null) {
                    packets.add((Packet) o);
                }
            }
            return packets.poll();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            decoder.finishAndReleaseAll();
        }
    }
}
