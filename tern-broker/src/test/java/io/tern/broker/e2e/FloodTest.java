package io.tern.broker.e2e;

import io.tern.broker.Broker;
import io.tern.broker.RawClient;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.FloodLimits;
import io.tern.broker.config.ListenerConfig;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connection floods against loopback: sockets that never send CONNECT, max_connections,
 * max_connections_per_address and connection_rate_limit, while a client connected before the flood keeps
 * being served. The normal run opens a few hundred sockets; {@code -Dtern.flood.connections=10000} is the
 * full-size variant (raise {@code ulimit -n} first).
 */
class FloodTest {

    /** Sockets opened by the flood test. */
    private static final int FLOOD = Integer.getInteger("tern.flood.connections", 400);

    static Broker start(Consumer<BrokerConfig> tweak, Consumer<ListenerConfig> listener) throws IOException {
        return start(tweak, listener, Duration.ofSeconds(2));
    }

    static Broker start(Consumer<BrokerConfig> tweak, Consumer<ListenerConfig> listener, Duration connectTimeout)
            throws IOException {
        BrokerConfig config = new BrokerConfig();
        ListenerConfig l = new ListenerConfig(0, "127.0.0.1");
        listener.accept(l);
        config.addListener(l);
        config.allowAnonymous(true);
        tweak.accept(config);
        return Broker.builder().config(config).connectTimeout(connectTimeout).build().start();
    }

    /** A PINGREQ answered: the steady client is still served. */
    static void assertServed(RawClient steady) throws IOException {
        steady.send(Packet.PingReq.INSTANCE);
        assertThat(steady.next()).isInstanceOf(Packet.PingResp.class);
    }

    /** True when the broker closed the socket (end of stream or reset) without sending anything. */
    static boolean closedSilently(Socket s) throws IOException {
        return closedSilently(s, 15_000);
    }

    private static boolean closedSilently(Socket s, int timeoutMillis) throws IOException {
        s.setSoTimeout(timeoutMillis);
        try {
            int b = s.getInputStream().read();
            if (b >= 0) {
                throw new AssertionError("expected a close, got byte " + b);
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Test
    void socketsThatNeverSendConnectAreClosedAndMaxConnectionsHolds() throws Exception {
        assertEnoughFileDescriptors();
        int max = FLOOD / 2;
        // the silent half must still be open when the other half arrives: 2 s suits a few hundred sockets, a
        // full-size flood takes longer to open on a small machine
        Duration connectTimeout = Duration.ofSeconds(Math.max(2, FLOOD / 400));
        try (Broker broker = start(c -> { }, l -> l.maxConnections(max), connectTimeout);
             RawClient steady = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
            assertThat(steady.connect("steady").reasonCode()).isZero();
            long quietRtt = pingMicros(steady, 20);
            long heapBefore = usedHeapAfterGc();
            List<Socket> silent = new ArrayList<>();
            List<Socket> over = new ArrayList<>();
            long worstRtt = 0;
            long t0 = System.nanoTime();
            try {
                // half the flood fills max_connections and never sends CONNECT; the steady client is timed
                // all along
                for (int i = 0; i < max - 1; i++) {
                    silent.add(new Socket("127.0.0.1", broker.port()));
                    if (i % 500 == 0) {
                        worstRtt = Math.max(worstRtt, pingMicros(steady, 1));
                    }
                }
                assertServed(steady);
                // sockets are set up on several event loops: wait until a probe is refused, so all are in
                Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                    try (Socket probe = new Socket("127.0.0.1", broker.port())) {
                        probe.getOutputStream().write(connect("probe"));
                        return closedSilentlyOrAdmitted(probe);
                    }
                });
                // the other half comes in beyond max_connections and is refused without a CONNACK
                for (int i = 0; i < FLOOD - max; i++) {
                    Socket s = new Socket("127.0.0.1", broker.port());
                    over.add(s);
                    s.getOutputStream().write(connect("over" + i));
                    if (i % 500 == 0) {
                        worstRtt = Math.max(worstRtt, pingMicros(steady, 1));
                    }
                }
                long opened = (System.nanoTime() - t0) / 1_000_000;
                long floodRtt = pingMicros(steady, 20);
                long heapFlood = usedHeapAfterGc();
                for (Socket s : over) {
                    assertThat(closedSilently(s)).as("refused beyond max_connections").isTrue();
                }
                // the CONNECT timeout closes every silent socket [MQTT-3.1.4 "a reasonable amount of time"]
                int wait = (int) connectTimeout.toMillis() + 15_000;
                for (Socket s : silent) {
                    assertThat(closedSilently(s, wait)).as("closed by the CONNECT timeout").isTrue();
                }
                assertServed(steady);
                System.out.printf("flood of %d sockets (max_connections %d) opened in %d ms: %d refused beyond"
                                + " max_connections, %d closed by the %d s CONNECT timeout; steady client's PINGREQ"
                                + " round trip %d us before, worst %d us while opening, %d us (median of 20) at"
                                + " full; heap after GC %d MB before, %d MB at full%n", FLOOD, max, opened,
                        over.size(), silent.size(), connectTimeout.toSeconds(), quietRtt, worstRtt, floodRtt,
                        heapBefore >> 20, heapFlood >> 20);
                // each open socket costs the broker a channel and its buffers, not more
                assertThat(heapFlood - heapBefore).as("heap growth").isLessThan(max * 16L * 1024 + (64L << 20));
                // their places are free again
                Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                    try (RawClient late = new RawClient(broker.port())) {
                        assertThat(late.connect("late").reasonCode()).isZero();
                    }
                });
            } finally {
                closeAll(silent);
                closeAll(over);
            }
        }
    }

    @Test
    void slowlorisOnTcpAndOnTheWebSocketUpgradeIsClosedByTheConnectTimeout() throws Exception {
        try (Broker broker = start(c -> c.addListener(new ListenerConfig(0, "127.0.0.1")
                        .protocol(io.tern.broker.config.ListenerProtocol.WEBSOCKETS)), l -> { });
             RawClient steady = new RawClient(broker.port())) {
            assertThat(steady.connect("steady").reasonCode()).isZero();
            int wsPort = broker.boundAddresses().get(1).getPort();
            byte[] connect = connect("slow-" + "x".repeat(60)); // 77 bytes: 15 s at this pace
            byte[] upgrade = ("GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: mqtt\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            try (Socket tcp = new Socket("127.0.0.1", broker.port()); Socket ws = new Socket("127.0.0.1", wsPort)) {
                // one byte every 200 ms: the CONNECT (and the upgrade) would take longer than the 2 s timeout
                boolean tcpClosed = false;
                boolean wsClosed = false;
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                for (int i = 0; !(tcpClosed && wsClosed) && System.nanoTime() < deadline; i++) {
                    tcpClosed = tcpClosed || !trickle(tcp, connect[i % connect.length]);
                    wsClosed = wsClosed || !trickle(ws, upgrade[i % upgrade.length]);
                    if (i % 5 == 0) {
                        assertServed(steady);
                    }
                    Thread.sleep(200); // the pace of the attack, not a synchronisation
                }
                assertThat(tcpClosed).as("TCP slowloris closed").isTrue();
                assertThat(wsClosed).as("WebSocket upgrade slowloris closed").isTrue();
                assertServed(steady);
            }
        }
    }

    @Test
    void maxConnectionsPerAddressRefusesTheNextOneUntilOneCloses() throws Exception {
        try (Broker broker = start(c -> c.floodLimits(FloodLimits.NONE.with("max_connections_per_address", 5)),
                l -> { })) {
            List<RawClient> five = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    RawClient c = new RawClient(broker.port());
                    assertThat(c.connect("c" + i).reasonCode()).isZero();
                    five.add(c);
                }
                try (Socket sixth = new Socket("127.0.0.1", broker.port())) {
                    sixth.getOutputStream().write(connect("c5"));
                    assertThat(closedSilently(sixth)).isTrue();
                }
                five.remove(0).close();
                Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                    try (RawClient again = new RawClient(broker.port())) {
                        assertThat(again.connect("again").reasonCode()).isZero();
                    }
                });
            } finally {
                for (RawClient c : five) {
                    c.close();
                }
            }
        }
    }

    @Test
    void connectionRateLimitRefusesConnectionsBeyondTheRatePerSecond() throws Exception {
        int rate = 5;
        int attempts = 40;
        try (Broker broker = start(c -> c.floodLimits(FloodLimits.NONE.with("connection_rate_limit", rate)),
                l -> { })) {
            int admitted = 0;
            long t0 = System.nanoTime();
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < attempts; i++) {
                    Socket s = new Socket("127.0.0.1", broker.port());
                    sockets.add(s);
                    s.getOutputStream().write(connect("r" + i));
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                for (Socket s : sockets) {
                    s.setSoTimeout(15_000);
                    try {
                        if (s.getInputStream().read() == 0x20) { // CONNACK
                            admitted++;
                        }
                    } catch (IOException e) {
                        // refused
                    }
                }
                // windows of one second: at most rate per window the attempts touched
                assertThat(admitted).isGreaterThan(0).isLessThanOrEqualTo(rate * ((int) Math.ceil(seconds) + 1));
                assertThat(admitted).isLessThan(attempts);
            } finally {
                closeAll(sockets);
            }
        }
    }

    /**
     * A flood of N sockets needs about 1.6 x N descriptors in this JVM (both ends of each admitted one, the
     * client end of each refused one until it is read): say so plainly instead of failing with EMFILE halfway.
     */
    private static void assertEnoughFileDescriptors() throws IOException {
        long needed = FLOOD * 8L / 5 + 1000;
        long limit = Long.MAX_VALUE;
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                limit = soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        if (limit < needed) {
            throw new AssertionError("tern.flood.connections=" + FLOOD + " needs about " + needed
                    + " open files in the test JVM, but its limit (ulimit -n) is " + limit
                    + ": raise it (ulimit -n " + needed + ", or nofile in /etc/security/limits.conf) or lower"
                    + " tern.flood.connections");
        }
    }

    /** Median PINGREQ round trip of the steady client over {@code n} pings, in microseconds. */
    private static long pingMicros(RawClient steady, int n) throws IOException {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            assertServed(steady);
            t[i] = (System.nanoTime() - t0) / 1000;
        }
        java.util.Arrays.sort(t);
        return t[n / 2];
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** True when refused (closed without a CONNACK), false when admitted. */
    private static boolean closedSilentlyOrAdmitted(Socket s) throws IOException {
        s.setSoTimeout(15_000);
        try {
            return s.getInputStream().read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean trickle(Socket s, byte b) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            if (in.available() > 0 || s.isInputShutdown()) {
                return in.read() >= 0;
            }
            s.setSoTimeout(1);
            try {
                return in.read() >= 0;
            } catch (SocketTimeoutException e) {
                return true; // still open, nothing said
            }
        } catch (IOException e) {
            return false;
        }
    }

    static byte[] connect(String id) {
        io.netty.buffer.ByteBuf b = io.tern.codec.MqttEncoder.encode(new Packet.Connect(MqttVersion.MQTT_3_1_1, id,
                true, 60, null, null, null, Properties.EMPTY), MqttVersion.MQTT_3_1_1,
                io.netty.buffer.ByteBufAllocator.DEFAULT);
        try {
            return io.netty.buffer.ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
