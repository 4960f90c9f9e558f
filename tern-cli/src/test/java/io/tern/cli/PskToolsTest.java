package io.tern.cli;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.client.MosquittoBroker;
import io.tern.client.MqttClient;
import io.tern.client.MqttMessage;
import io.tern.client.TlsSettings;
import io.tern.codec.MqttVersion;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * tern-pub / tern-sub / tern-rr with {@code --psk} against a real Mosquitto {@code psk_hint} listener and against
 * Tern in-process; failures compared with mosquitto_pub / mosquitto_sub / mosquitto_rr byte for byte.
 */
class PskToolsTest {

    static final String KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    static final String UNABLE = "Unable to connect (A TLS error occurred.).\n";

    @TempDir
    static Path dir;

    private static MosquittoBroker mosquitto;
    private static Broker tern;
    private static final AtomicInteger TOPICS = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(dir.resolve("psk.txt"), "sensor1:" + KEY + "\n");
        BrokerConfig config = new BrokerConfig().allowAnonymous(true).pskFile(dir.resolve("psk.txt").toString());
        config.addListener(new ListenerConfig(0, "127.0.0.1").pskHint("hint"));
        tern = Broker.builder().config(config).build().start();
        if (Files.isExecutable(MosquittoBroker.BINARY)) {
            Path mdir = Files.createDirectories(dir.resolve("mosquitto"));
            int port = freePort();
            // the listener the task names: psk_hint, psk_file, anonymous clients, identity not the username
            mosquitto = MosquittoBroker.start(mdir, false, "psk_file " + dir.resolve("psk.txt") + "\nlistener " + port
                    + " 127.0.0.1\npsk_hint hint\nuse_identity_as_username false\n");
            mosquittoPort = port;
        }
    }

    private static int mosquittoPort;

    @AfterAll
    static void stop() {
        if (tern != null) {
            tern.close();
        }
        if (mosquitto != null) {
            mosquitto.kill();
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int port(String broker) {
        if (broker.equals("tern")) {
            return tern.port();
        }
        Assumptions.assumeTrue(mosquitto != null, "SKIPPED: " + MosquittoBroker.BINARY + " is not installed");
        return mosquittoPort;
    }

    private static void assumeMosquittoClients() {
        Assumptions.assumeTrue(ToolRun.mosquittoClientsInstalled(),
                "SKIPPED: mosquitto_pub / mosquitto_sub are not installed (apt-get install mosquitto-clients)");
    }

    private static List<String> conn(String broker, String key, String identity, String... more) {
        List<String> a = new ArrayList<>(List.of("-h", "127.0.0.1", "-p", Integer.toString(port(broker)),
                "--psk", key, "--psk-identity", identity));
        a.addAll(List.of(more));
        return a;
    }

    private static ToolRun tern(Tool tool, List<String> args) throws Exception {
        return ToolRun.tern(tool, new byte[0], args).get(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mosquitto", "tern"})
    void pubAndSubExchangeAMessageOverTlsPsk(String broker) throws Exception {
        String topic = "psk/" + TOPICS.incrementAndGet();
        for (String version : List.of("tlsv1.3", "tlsv1.2")) {
            // retained, so the subscriber needs no synchronisation with the publisher
            ToolRun pub = tern(Tool.PUB, conn(broker, KEY, "sensor1", "-t", topic, "-m", "over " + version, "-r",
                    "-q", "1", "--tls-version", version));
            assertThat(pub.err()).isEmpty();
            assertThat(pub.exitCode()).isZero();
            ToolRun sub = tern(Tool.SUB, conn(broker, KEY, "sensor1", "-t", topic, "-C", "1", "-v",
                    "--tls-version", version));
            assertThat(sub.err()).isEmpty();
            assertThat(sub.outText()).isEqualTo(topic + " over " + version + "\n");
            assertThat(sub.exitCode()).isZero();
        }
        // TLS 1.2 suites only: OpenSSL names, as mosquitto_pub --ciphers takes them
        ToolRun pub = tern(Tool.PUB, conn(broker, KEY, "sensor1", "-t", topic, "-r", "-n",
                "--ciphers", "PSK-AES128-CBC-SHA:ECDHE-PSK-AES128-CBC-SHA256"));
        assertThat(pub.exitCode()).as(pub.err()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mosquitto", "tern"})
    void rrRequestsAndGetsTheResponseOverTlsPsk(String broker) throws Exception {
        MqttClient responder = MqttClient.builder().serverUri("ssl://127.0.0.1:" + port(broker))
                .version(MqttVersion.MQTT_5).tls(TlsSettings.psk("sensor1", KEY)).build();
        try (responder) {
            responder.connect().get(10, TimeUnit.SECONDS);
            String req = "req/" + TOPICS.incrementAndGet();
            responder.subscribe(req, 1, m -> responder.publish(MqttMessage.of(
                    m.properties().stringValue(PropertyId.RESPONSE_TOPIC),
                    ("re: " + m.payloadAsString()).getBytes(StandardCharsets.UTF_8), 1, false, Properties.EMPTY)))
                    .get(5, TimeUnit.SECONDS);
            ToolRun rr = tern(Tool.RR, conn(broker, KEY, "sensor1", "-t", req, "-e", req + "/re", "-m", "ping",
                    "-W", "10"));
            assertThat(rr.err()).isEmpty();
            assertThat(rr.outText()).isEqualTo("re: ping\n");
            assertThat(rr.exitCode()).isZero();
        }
    }

    /**
     * A refused handshake (unknown identity, wrong key). libmosquitto's own report of it races: a refusal that is
     * already on the socket when mosquitto_connect's first SSL_connect reads gives "Unable to connect (...)" and
     * exit 1; one that comes a moment later is found by the network loop and gives "Error: A TLS error
     * occurred." and exit 8 (MOSQ_ERR_TLS). On loopback both happen, in proportions that follow the machine's
     * load. The tern tools always give the first, the form libmosquitto uses for every TLS failure it sees while
     * connecting. So: the Mosquitto tool's stderr and exit code must be one of the two forms, the tern tool's
     * exactly the first, and standard output the same (empty) for both.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mosquitto", "tern"})
    void aRefusedHandshakeFailsAsTheMosquittoTools(String broker) throws Exception {
        assumeMosquittoClients();
        for (String[] keyAndIdentity : new String[][]{{"deadbeef", "sensor1"}, {KEY, "nobody"}}) {
            for (Tool tool : Tool.values()) {
                List<String> args = conn(broker, keyAndIdentity[0], keyAndIdentity[1], "-t", "x");
                switch (tool) {
                    case PUB -> args.addAll(List.of("-m", "z"));
                    case RR -> args.addAll(List.of("-e", "y", "-m", "z"));
                    case SUB -> { }
                }
                String what = tool + " " + keyAndIdentity[1] + " " + keyAndIdentity[0];
                CompletableFuture<ToolRun> mf = ToolRun.mosquitto(tool, new byte[0], args);
                ToolRun t = tern(tool, args);
                ToolRun m = mf.get(30, TimeUnit.SECONDS);
                assertThat(m.err() + "exit " + m.exitCode()).as(what + ": mosquitto")
                        .isIn(UNABLE + "exit 1", "Error: A TLS error occurred.\nexit 8");
                assertThat(t.err() + "exit " + t.exitCode()).as(what + ": tern").isEqualTo(UNABLE + "exit 1");
                assertThat(t.out()).as(what + ": stdout").isEqualTo(m.out());
            }
        }
    }

    /** Option errors found before connecting, in libmosquitto's order: the key, then the TLS version. */
    @Test
    void badPskOptionsFailAsMosquittoPub() throws Exception {
        assumeMosquittoClients();
        List<List<String>> cases = List.of(
                conn("tern", "zz", "sensor1", "-t", "x", "-m", "z"),
                conn("tern", "0xdeadbeef", "sensor1", "-t", "x", "-m", "z"),
                conn("tern", "zz", "sensor1", "-t", "x", "-m", "z", "--tls-version", "tlsv1.9"),
                conn("tern", KEY, "sensor1", "-t", "x", "-m", "z", "--tls-version", "tlsv1.9"),
                conn("tern", KEY, "sensor1", "-t", "x", "-m", "z", "--ciphers", "NOT-A-CIPHER"),
                List.of("-h", "127.0.0.1", "-p", Integer.toString(port("tern")), "--psk", KEY, "-t", "x", "-m", "z"));
        for (List<String> args : cases) {
            ToolRun m = ToolRun.mosquitto(Tool.PUB, new byte[0], args).get(30, TimeUnit.SECONDS);
            ToolRun t = tern(Tool.PUB, args);
            assertThat(t.err()).as(args + " stderr").isEqualTo(m.err().replace("mosquitto_pub", "tern-pub"));
            assertThat(t.exitCode()).as(args + " exit code").isEqualTo(m.exitCode());
            assertThat(t.out()).isEqualTo(m.out());
        }
    }
}
