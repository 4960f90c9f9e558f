package io.tern.cli;

import io.tern.client.MosquittoBroker;
import io.tern.client.MqttClient;
import io.tern.client.MqttMessage;
import io.tern.codec.MqttVersion;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same command lines through tern-pub / tern-sub (in this JVM) and mosquitto_pub / mosquitto_sub
 * (subprocesses) against one real Mosquitto broker: output bytes, error text and exit codes must match.
 * Each case works under its own topic prefix, so cases share the broker but no state.
 */
class MosquittoClientsDifferentialTest {

    @TempDir
    static Path dir;

    private static MosquittoBroker broker;
    private static final AtomicInteger CASE = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(ToolRun.mosquittoClientsInstalled(),
                "SKIPPED: mosquitto_pub / mosquitto_sub are not installed (apt-get install mosquitto-clients)");
        broker = MosquittoBroker.start(dir);
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.kill();
        }
    }

    private static List<String> conn(String... more) {
        List<String> a = new ArrayList<>(List.of("-h", "127.0.0.1", "-p", Integer.toString(broker.port())));
        a.addAll(List.of(more));
        return a;
    }

    private static MqttClient client(MqttVersion v) throws Exception {
        MqttClient c = MqttClient.builder().serverUri(broker.tcpUri()).version(v).build();
        c.connect().get(5, TimeUnit.SECONDS);
        return c;
    }

    /** A retained-message scenario: these messages sit on the broker before either subscriber starts. */
    record SubCase(String name, List<String> flags) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<SubCase> subCases() {
        return Stream.of(
                new SubCase("plain", List.of()),
                new SubCase("-v", List.of("-v")),
                new SubCase("-N", List.of("-N")),
                new SubCase("-v -N", List.of("-v", "-N")),
                new SubCase("-q 1 -F fields", List.of("-q", "1", "-F", "%t|%p|%q|%r|%m|%l|%x|%X|%%|@@")),
                new SubCase("-F width and precision", List.of("-F",
                        "[%10t][%-10t][%.3t][%-12.2t][%05l][%-5l|][%5l][%5p][%-8p][%8x][%-8X]")),
                new SubCase("-F escapes", List.of("-F", "%t\\t%p\\\\\\n")),
                new SubCase("-F %J of non-JSON payloads", List.of("-F", "%J")),
                new SubCase("-V 5 -F properties", List.of("-V", "5", "-F", "%t %C %P %E %F %A|%R|")),
                new SubCase("-T filter-out", List.of("-v", "-T", "+/+/b")),
                new SubCase("-R drops stale retained, -W times out", List.of("-v", "-R", "-W", "1")),
                new SubCase("--retained-only", List.of("-v", "--retained-only", "-W", "1")));
    }

    @ParameterizedTest(name = "tern-sub {0}")
    @MethodSource("subCases")
    void subPrintsRetainedMessagesAsMosquittoSub(SubCase c) throws Exception {
        String prefix = "d" + CASE.incrementAndGet();
        MqttClient pub = client(MqttVersion.MQTT_5);
        io.tern.codec.Properties props = io.tern.codec.Properties.builder().userProperty("k", "v")
                .put(PropertyId.CONTENT_TYPE, "text/plain").build();
        pub.publish(MqttMessage.of(prefix + "/a", "hello".getBytes(StandardCharsets.UTF_8), 1, true, props))
                .get(5, TimeUnit.SECONDS);
        pub.publish(prefix + "/b", "{\"x\": [1, 2.50]}".getBytes(StandardCharsets.UTF_8), 1, true).get(5, TimeUnit.SECONDS);
        pub.publish(prefix + "/c/b", new byte[]{0, 1, (byte) 0xfe}, 0, true).get(5, TimeUnit.SECONDS);
        pub.close();

        List<String> args = conn("-t", prefix + "/#");
        boolean waits = c.flags().contains("-W");
        if (!waits) {
            args.addAll(List.of("-C", c.flags().contains("-T") ? "2" : "3"));
        }
        args.addAll(c.flags());
        CompletableFuture<ToolRun> tern = ToolRun.tern(Tool.SUB, new byte[0], args);
        CompletableFuture<ToolRun> mosq = ToolRun.mosquitto(Tool.SUB, new byte[0], args);
        ToolRun t = tern.get(30, TimeUnit.SECONDS);
        ToolRun m = mosq.get(30, TimeUnit.SECONDS);
        assertThat(t.exitCode()).as("exit code").isEqualTo(m.exitCode());
        assertThat(t.err()).as("stderr").isEqualTo(m.err());
        assertThat(HexFormat.of().formatHex(normalisedTime(t.out()))).as("stdout bytes of\n%s\nvs mosquitto_sub's\n%s",
                t.outText(), m.outText()).isEqualTo(HexFormat.of().formatHex(normalisedTime(m.out())));
    }

    /** JSON output carries the time of printing; only that may differ. */
    private static byte[] normalisedTime(byte[] out) {
        String s = new String(out, StandardCharsets.ISO_8859_1);
        return s.replaceAll("\"tst\":\"[^\"]*\"", "\"tst\":\"T\"").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void subWithoutMessagesTimesOutWithCode27() throws Exception {
        List<String> args = conn("-t", "nothing/here/" + CASE.incrementAndGet(), "-W", "1");
        ToolRun t = ToolRun.tern(Tool.SUB, new byte[0], args).get(30, TimeUnit.SECONDS);
        ToolRun m = ToolRun.mosquitto(Tool.SUB, new byte[0], args).get(30, TimeUnit.SECONDS);
        assertThat(m.exitCode()).isEqualTo(27);
        assertThat(t).usingRecursiveComparison().isEqualTo(m);
    }

    @Test
    void subLiveMessageWithJsonTimestampNormalised() throws Exception {
        String topic = "live/" + CASE.incrementAndGet();
        List<String> args = conn("-t", topic, "-C", "1", "-q", "2", "-F", "%j");
        CompletableFuture<ToolRun> tern = ToolRun.tern(Tool.SUB, new byte[0], args);
        CompletableFuture<ToolRun> mosq = ToolRun.mosquitto(Tool.SUB, new byte[0], args);
        MqttClient pub = client(MqttVersion.MQTT_3_1_1);
        // Neither subscriber says when it has subscribed: publish until both printed one message (bounded).
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(tern.isDone() && mosq.isDone()) && System.nanoTime() < deadline) {
            pub.publish(topic, "tick \"quoted\"\n", 2, false).get(5, TimeUnit.SECONDS);
            CompletableFuture.allOf(tern, mosq).completeOnTimeout(null, 100, TimeUnit.MILLISECONDS).join();
        }
        pub.close();
        ToolRun t = tern.get(1, TimeUnit.SECONDS);
        ToolRun m = mosq.get(1, TimeUnit.SECONDS);
        String tst = "\"tst\":\"[^\"]*\"";
        assertThat(m.outText()).contains("\"payload\":\"tick \\\"quoted\\\"\\n\"");
        assertThat(t.outText().replaceAll(tst, "TST").replaceAll("\"mid\":\\d+", "MID"))
                .isEqualTo(m.outText().replaceAll(tst, "TST").replaceAll("\"mid\":\\d+", "MID"));
        assertThat(t.exitCode()).isEqualTo(m.exitCode()).isZero();
    }

    record PubCase(String name, byte[] stdin, List<String> flags) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<PubCase> pubCases() {
        byte[] none = new byte[0];
        return Stream.of(
                new PubCase("-m", none, List.of("-m", "hello")),
                new PubCase("-m -q 1 -r", none, List.of("-m", "kept", "-q", "1", "-r")),
                new PubCase("-n -q 2", none, List.of("-n", "-q", "2")),
                new PubCase("-l", "l1\n\nl3\r\nlast".getBytes(StandardCharsets.UTF_8), List.of("-l", "-q", "1")),
                new PubCase("-s", "all\nof it\n".getBytes(StandardCharsets.UTF_8), List.of("-s")),
                new PubCase("--repeat 3", none, List.of("-m", "again", "--repeat", "3")),
                new PubCase("-V 5 -D publish", none, List.of("-m", "p", "-V", "5", "-D", "publish", "user-property",
                        "a", "b", "-D", "publish", "content-type", "text/x", "-D", "publish",
                        "message-expiry-interval", "60")),
                new PubCase("-V 31", none, List.of("-m", "old", "-V", "mqttv31", "-q", "1")));
    }

    @ParameterizedTest(name = "tern-pub {0}")
    @MethodSource("pubCases")
    void pubSendsWhatMosquittoPubSends(PubCase c) throws Exception {
        int n = CASE.incrementAndGet();
        List<String> seenTern = publishAndCapture(Tool.PUB, "pt" + n, c, true);
        List<String> seenMosq = publishAndCapture(Tool.PUB, "pm" + n, c, false);
        assertThat(seenTern).isNotEmpty().isEqualTo(seenMosq);
    }

    private List<String> publishAndCapture(Tool tool, String topic, PubCase c, boolean tern) throws Exception {
        MqttClient sub = client(MqttVersion.MQTT_5);
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        sub.subscribe(topic, 2, m -> seen.add(m.qos() + " " + m.retain() + " " + HexFormat.of().formatHex(m.payload())
                + " " + m.properties().userProperties() + " " + m.properties().stringValue(PropertyId.CONTENT_TYPE)
                + " " + m.properties().has(PropertyId.MESSAGE_EXPIRY_INTERVAL))).get(5, TimeUnit.SECONDS);
        List<String> args = conn("-t", topic);
        args.addAll(c.flags());
        ToolRun r = (tern ? ToolRun.tern(tool, c.stdin(), args) : ToolRun.mosquitto(tool, c.stdin(), args))
                .get(30, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as("exit code, stderr: " + r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEmpty();
        // the tool has its acknowledgements; a final marker says everything before it arrived
        sub.publish(topic, "END", 2, false).get(5, TimeUnit.SECONDS);
        List<String> out = new ArrayList<>();
        while (true) {
            String s = seen.poll(5, TimeUnit.SECONDS);
            assertThat(s).as("marker").isNotNull();
            if (s.contains(HexFormat.of().formatHex("END".getBytes(StandardCharsets.UTF_8)))) {
                break;
            }
            out.add(s);
        }
        sub.publish(topic, new byte[0], 0, true).get(5, TimeUnit.SECONDS); // clear a retained message
        sub.close();
        return out;
    }

    static Stream<List<String>> badCommandLines() {
        return Stream.of(
                List.of("pub", "-t", "a", "-m", "x", "-q", "3"),
                List.of("pub", "-t", "a", "-m", "x", "-V", "6"),
                List.of("pub", "-t", "a", "-m", "x", "-z"),
                List.of("pub", "-t", "a", "-m", "x", "-p"),
                List.of("pub", "-t", "a", "-m", "x", "-k", "1"),
                List.of("pub", "-t", "a", "-m", "x", "-c"),
                List.of("pub", "-t", "a", "-m", "x", "-l"),
                List.of("pub", "-t", "a", "-m", "x", "-i", "a", "-I", "b"),
                List.of("pub", "-t", "a", "-m", "x", "-p", "99999"),
                List.of("pub", "-t", "a", "-m", "x", "--will-payload", "x"),
                List.of("pub", "-t", "a", "-m", "x", "--will-retain"),
                List.of("pub", "-t", "a", "-m", "x", "-x", "foo"),
                List.of("pub", "-t", "a", "-m", "x", "-D", "publish", "foo", "1"),
                List.of("pub", "-t", "a", "-m", "x", "-D", "connect", "user-property", "a"),
                List.of("pub", "-t", "a", "-m", "x", "-D", "subscribe", "content-type", "a"),
                List.of("pub", "-t", "a", "-m", "x", "-D", "bogus", "content-type", "a"),
                List.of("pub", "-t", "a", "-m", "x", "--repeat", "0"),
                List.of("pub", "-t", "a", "-m", "x", "-L", "http://x/b"),
                List.of("pub", "-t", "a/#", "-m", "x"),
                List.of("pub", "-t", "a", "-m", "x", "-C", "1"),
                List.of("pub", "-t", "a", "-m", "x", "--will-topic", "w/+"),
                List.of("pub", "-t", "a", "-m", "x", "--will-qos", "3", "--will-topic", "w"),
                List.of("sub", "-t", "a", "-C", "0"),
                List.of("sub", "-t", "a", "-W", "0"),
                List.of("sub", "-t", "a", "-F", "%Z"),
                List.of("sub", "-t", "a", "-F", "abc%"),
                List.of("sub", "-t", "a", "-F", "\\q"),
                List.of("sub", "-t", "a", "-R", "--retained-only"),
                List.of("sub", "-v"),
                List.of("sub", "-t", "a#"),
                List.of("sub", "-t", "a", "-T", "a/#/b"),
                List.of("sub", "-t", "a", "-U", "+a"),
                List.of("sub", "-t", "a", "-m", "x"),
                List.of("sub", "-t", "a", "-c", "-V", "5"),
                List.of("sub", "-t", "a", "-x", "4294967296"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCommandLines")
    void badCommandLinesFailAsMosquittos(List<String> line) throws Exception {
        Tool tool = line.get(0).equals("pub") ? Tool.PUB : Tool.SUB;
        List<String> args = line.subList(1, line.size());
        ToolRun t = ToolRun.tern(tool, new byte[0], args).get(30, TimeUnit.SECONDS);
        ToolRun m = ToolRun.mosquitto(tool, new byte[0], args).get(30, TimeUnit.SECONDS);
        assertThat(t.exitCode()).isEqualTo(m.exitCode());
        assertThat(t.err()).isEqualTo(m.err().replace("mosquitto_pub", "tern-pub").replace("mosquitto_sub", "tern-sub"));
    }

    @Test
    void unreachableBrokerAndRefusedConnectionsExitAsMosquittos(@TempDir Path other) throws Exception {
        int deadPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        List<List<String>> lines = new ArrayList<>();
        lines.add(List.of("-h", "127.0.0.1", "-p", Integer.toString(deadPort), "-t", "a", "-m", "x"));
        try (MosquittoBroker closed = MosquittoBroker.start(other, false, "allow_anonymous false")) {
            String p = Integer.toString(closed.port());
            lines.add(List.of("-h", "127.0.0.1", "-p", p, "-t", "a", "-m", "x"));
            lines.add(List.of("-h", "127.0.0.1", "-p", p, "-t", "a", "-m", "x", "-V", "5"));
            lines.add(List.of("-h", "127.0.0.1", "-p", p, "-t", "a", "-m", "x", "-V", "5", "--quiet"));
            for (List<String> args : lines) {
                for (Tool tool : List.of(Tool.PUB, Tool.SUB)) {
                    List<String> a = tool == Tool.SUB ? args.subList(0, args.size()).stream()
                            .filter(s -> !s.equals("-m") && !s.equals("x")).toList() : args;
                    ToolRun t = ToolRun.tern(tool, new byte[0], a).get(30, TimeUnit.SECONDS);
                    ToolRun m = ToolRun.mosquitto(tool, new byte[0], a).get(30, TimeUnit.SECONDS);
                    assertThat(t.exitCode()).as(tool + " " + a).isEqualTo(m.exitCode());
                    assertThat(t.err()).as(tool + " " + a).isEqualTo(m.err());
                }
            }
        }
    }

    @Test
    void fileInputAndDebugLines(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("payload.bin");
        Files.write(f, new byte[]{1, 2, 3, 0, 10});
        int n = CASE.incrementAndGet();
        PubCase c = new PubCase("-f", new byte[0], List.of("-f", f.toString(), "-q", "1"));
        assertThat(publishAndCapture(Tool.PUB, "ft" + n, c, true)).isEqualTo(publishAndCapture(Tool.PUB, "fm" + n, c, false));

        List<String> args = conn("-t", "dbg/" + n, "-m", "hi", "-q", "1", "-d", "-i", "dbg" + n);
        ToolRun t = ToolRun.tern(Tool.PUB, new byte[0], args).get(30, TimeUnit.SECONDS);
        ToolRun m = ToolRun.mosquitto(Tool.PUB, new byte[0], args).get(30, TimeUnit.SECONDS);
        assertThat(t.outText()).isEqualTo(m.outText());
    }
}
