package io.tern.broker.e2e;

import io.tern.broker.Broker;
import io.tern.broker.RawClient;
import io.tern.broker.config.FloodLimits;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.transport.TestPki;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Peers that are slow or hostile on purpose: TLS handshakes that stop half-way, clients over a publish rate
 * limit, a 256 MB PUBLISH against message_size_limit / max_packet_size, and many subscribers that never read.
 * The normal run uses 100 stuck subscribers; {@code -Dtern.flood.subscribers=1000} is the full size.
 */
class SlowPeerTest {

    private static final int STUCK = Integer.getInteger("tern.flood.subscribers", 100);

    @TempDir
    Path dir;

    @Test
    void tlsHandshakeThatStopsHalfWayIsClosedByTheHandshakeTimeout() throws Exception {
        TestPki pki = new TestPki(dir, "ca");
        TestPki.Issued server = pki.server();
        try (Broker broker = FloodTest.start(c -> c.addListener(new ListenerConfig(0, "127.0.0.1")
                        .certfile(server.certFile().toString()).keyfile(server.keyFile().toString())), l -> { });
             RawClient steady = new RawClient(broker.port())) {
            assertThat(steady.connect("steady").reasonCode()).isZero();
            int tlsPort = broker.boundAddresses().get(1).getPort();
            List<Socket> halfway = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    Socket s = new Socket("127.0.0.1", tlsPort);
                    halfway.add(s);
                    // a handshake record header announcing 200 bytes, then 10 of them and silence
                    s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xC8, 0x01, 0x00, 0x00,
                            (byte) 0xC4, 0x03, 0x03, 1, 2, 3, 4});
                }
                FloodTest.assertServed(steady);
                for (Socket s : halfway) {
                    assertThat(closedWithin15s(s)).as("closed by the TLS handshake timeout").isTrue();
                }
                FloodTest.assertServed(steady);
            } finally {
                for (Socket s : halfway) {
                    s.close();
                }
            }
        }
    }

    @Test
    void publishRateLimitPausesTheClientAndDropsNothing() throws Exception {
        int rate = 50;
        int count = 150;
        try (LogCapture log = new LogCapture();
             Broker broker = FloodTest.start(c -> c.floodLimits(FloodLimits.NONE.with("publish_rate_limit", rate)),
                     l -> { });
             RawClient sub = new RawClient(broker.port());
             RawClient pub = new RawClient(broker.port())) {
            assertThat(sub.connect("sub").reasonCode()).isZero();
            sub.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("rate/#", 0)), Properties.EMPTY));
            assertThat(sub.next()).isInstanceOf(Packet.SubAck.class);
            assertThat(pub.connect("fast").reasonCode()).isZero();
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                pub.send(new Packet.Publish("rate/" + i, 0, false, false, 0, new byte[] {(byte) i}, Properties.EMPTY));
            }
            for (int i = 0; i < count; i++) {
                Packet.Publish p = (Packet.Publish) sub.next();
                assertThat(p.topic()).isEqualTo("rate/" + i); // every one, in order
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            // a lower bound the limit guarantees however slow the machine: a one-second burst, then `rate` a second
            assertThat(seconds).isGreaterThanOrEqualTo((count - rate) / (double) rate * 0.9);
            assertThat(log.lines()).contains("Client fast exceeds the publish rate limit; reading from it is paused.");
        }
    }

    @Test
    void a256MegabytePublishIsRefusedAtItsFixedHeader() throws Exception {
        // message_size_limit: refused before the body is read, with 0x95 for MQTT 5 [MQTT-3.2.2-15 analogue]
        try (Broker broker = FloodTest.start(c -> c.messageSizeLimit(1 << 20), l -> { })) {
            assertThat(hugePublishAnswer(broker, MqttVersion.MQTT_5)).isEqualTo(0x95);
            assertThat(hugePublishAnswer(broker, MqttVersion.MQTT_3_1_1)).isEqualTo(-1);
        }
        try (Broker broker = FloodTest.start(c -> c.maxPacketSize(1 << 20), l -> { })) {
            assertThat(hugePublishAnswer(broker, MqttVersion.MQTT_5)).isEqualTo(0x95);
        }
    }

    @Test
    void a256MegabyteWebSocketFrameIsRefusedAtItsHeader() throws Exception {
        // Netty buffers a whole frame before the MQTT decoder sees it: the frame limit follows the packet limit
        try (Broker broker = FloodTest.start(c -> c.messageSizeLimit(1 << 20),
                l -> l.protocol(io.tern.broker.config.ListenerProtocol.WEBSOCKETS));
             Socket s = new Socket("127.0.0.1", broker.port())) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: mqtt\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String response = readHttpHead(in);
            assertThat(response).startsWith("HTTP/1.1 101");
            // a masked binary frame announcing 256 MB (64-bit length), then only 1 kB of it
            byte[] header = {(byte) 0x82, (byte) 0xFF, 0, 0, 0, 0, 0x10, 0, 0, 0, 1, 2, 3, 4};
            out.write(header);
            out.write(new byte[1024]);
            // the broker answers with a close frame (1009 message too big) and closes, without the rest
            int first = in.read();
            assertThat(first).isEqualTo(0x88);
            int len = in.read() & 0x7F;
            int code = (in.read() << 8) | in.read();
            assertThat(code).isEqualTo(1009);
            in.skipNBytes(len - 2);
            assertThat(closedWithin15s(s)).isTrue();
        }
    }

    private static String readHttpHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    /**
     * Sends CONNECT, then only the fixed header of a 256 MB PUBLISH and a few bytes of it: the answer comes
     * without the rest, so the broker has not waited to buffer it. Returns the DISCONNECT reason or -1 for a close.
     */
    private static int hugePublishAnswer(Broker broker, MqttVersion v) throws IOException {
        try (RawClient c = new RawClient(broker.port(), v)) {
            assertThat(c.connect("huge").reasonCode()).isZero();
            // remaining length 268,435,455 (0xFF 0xFF 0xFF 0x7F), then a topic "h"
            byte[] header = {0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0x00, 0x01, 'h'};
            c.sendBytes(header);
            c.sendBytes(new byte[64 * 1024]);
            List<Packet> got = c.readUntilClosed();
            if (got.isEmpty()) {
                return -1;
            }
            assertThat(got).hasSize(1);
            return ((Packet.Disconnect) got.get(0)).reasonCode();
        }
    }

    @Test
    void subscribersThatNeverReadAreBoundedAndCountedWhileOthersAreServed() throws Exception {
        int messages = 2000;
        long maxQueuedBytes = 256 * 1024; // above what one read of the publisher brings in
        byte[] payload = new byte[1024];
        try (LogCapture log = new LogCapture();
             Broker broker = FloodTest.start(c -> c.maxQueuedBytes(maxQueuedBytes).maxQueuedMessages(1000)
                     .sysInterval(1), l -> { })) {
            long heapBefore = usedHeapAfterGc();
            List<Socket> stuck = new ArrayList<>();
            try {
                for (int i = 0; i < STUCK; i++) {
                    stuck.add(stuckSubscriber(broker.port(), "stuck" + i));
                }
                // each socket sends its CONNECT at once: the brokers here have a 2 s CONNECT timeout
                try (RawClient healthy = new RawClient(broker.port());
                     RawClient pub = new RawClient(broker.port())) {
                    assertThat(healthy.connect("healthy").reasonCode()).isZero();
                    healthy.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("fan/#", 1)), Properties.EMPTY));
                    assertThat(healthy.next()).isInstanceOf(Packet.SubAck.class);
                    assertThat(pub.connect("pub").reasonCode()).isZero();
                    Thread publisher = new Thread(() -> {
                        try {
                            // a window of 50 unacknowledged PUBLISHes, as a client honouring Receive Maximum keeps:
                            // the healthy subscriber's own queue then never nears its limits, whatever the stuck do
                            for (int i = 1; i <= messages; i++) {
                                pub.send(new Packet.Publish("fan/" + i, 1, false, false, 1 + i % 60000, payload,
                                        Properties.EMPTY));
                                if (i % 50 == 0) {
                                    for (int k = 0; k < 50; k++) {
                                        pub.next();
                                    }
                                }
                            }
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }, "publisher");
                    publisher.start();
                    for (int i = 1; i <= messages; i++) {
                        Packet.Publish p = (Packet.Publish) healthy.next();
                        assertThat(p.topic()).isEqualTo("fan/" + i);
                        healthy.send(new Packet.PubAck(p.packetId(), 0, Properties.EMPTY));
                    }
                    publisher.join(30_000);
                    long heapAfter = usedHeapAfterGc();
                    // each stuck subscriber holds at most its queue bound plus what sits in its socket buffers
                    long bound = STUCK * (maxQueuedBytes + 256 * 1024) + (64L << 20);
                    System.out.printf("%d stuck subscribers: heap %d MB -> %d MB (bound %d MB)%n", STUCK,
                            heapBefore >> 20, heapAfter >> 20, bound >> 20);
                    assertThat(heapAfter - heapBefore).isLessThan(bound);

                }
                try (RawClient sys = new RawClient(broker.port())) {
                    assertThat(sys.connect("sys").reasonCode()).isZero();
                    sys.send(new Packet.Subscribe(1, List.of(new Packet.Subscription(
                            "$SYS/broker/publish/messages/dropped", 0)), Properties.EMPTY));
                    assertThat(sys.next()).isInstanceOf(Packet.SubAck.class);
                    long dropped = 0;
                    for (int tries = 0; tries < 5 && dropped == 0; tries++) {
                        Packet.Publish p = (Packet.Publish) sys.next();
                        dropped = Long.parseLong(new String(p.payload(), StandardCharsets.UTF_8));
                    }
                    assertThat(dropped).as("$SYS/broker/publish/messages/dropped").isPositive();
                    // logged once per client, not once per message
                    List<String> lines = log.lines();
                    for (int i = 0; i < STUCK; i++) {
                        String line = "Outgoing messages are being dropped for client stuck" + i + ".";
                        assertThat(lines.stream().filter(line::equals).count()).isLessThanOrEqualTo(1);
                    }
                    assertThat(lines).anyMatch(l -> l.startsWith("Outgoing messages are being dropped for client stuck"));
                }
            } finally {
                for (Socket s : stuck) {
                    s.close();
                }
            }
        }
    }

    /** A subscriber with a tiny receive buffer that subscribes and then never reads again. */
    private static Socket stuckSubscriber(int port, String id) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(FloodTest.connect(id));
        io.netty.buffer.ByteBuf sub = io.tern.codec.MqttEncoder.encode(
                new Packet.Subscribe(1, List.of(new Packet.Subscription("fan/#", 1)), Properties.EMPTY),
                MqttVersion.MQTT_3_1_1, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
        try {
            out.write(io.netty.buffer.ByteBufUtil.getBytes(sub));
        } finally {
            sub.release();
        }
        InputStream in = s.getInputStream();
        // CONNACK (4 bytes) and SUBACK (5 bytes)
        int got = 0;
        while (got < 9) {
            int n = in.read(new byte[9 - got]);
            if (n < 0) {
                throw new IOException("closed before SUBACK");
            }
            got += n;
        }
        return s;
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static boolean closedWithin15s(Socket s) throws IOException {
        s.setSoTimeout(15_000);
        try {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // an alert may come first
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
