package io.tern.broker.e2e;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.config.ListenerProtocol;
import io.tern.broker.transport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WebSocket listeners ({@code protocol websockets}, plain and with TLS) of the real broker, used by the HiveMQ
 * client's WebSocket transport, MQTT.js in Node and MQTT.js in headless Chromium, each exchanging messages with
 * a Java client on the plain TCP listener.
 */
class WebSocketE2eTest {

    @TempDir
    static Path dir;
    static TestPki pki;
    static Broker broker;
    static int tcp;
    static int ws;
    static int wss;

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki(dir, "Tern WS CA");
        TestPki.Issued server = pki.server();
        BrokerConfig config = new BrokerConfig().allowAnonymous(true);
        config.addListener(new ListenerConfig(0, "127.0.0.1"));
        config.addListener(new ListenerConfig(0, "127.0.0.1").protocol(ListenerProtocol.WEBSOCKETS));
        config.addListener(new ListenerConfig(0, "127.0.0.1").protocol(ListenerProtocol.WEBSOCKETS)
                .certfile(server.certFile().toString()).keyfile(server.keyFile().toString()));
        broker = Brokers.start(config);
        tcp = Brokers.port(broker, 0);
        ws = Brokers.port(broker, 1);
        wss = Brokers.port(broker, 2);
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void hivemqWebSocketClientsExchangeMessagesWithATcpClient() throws Exception {
        String topic = Brokers.topic("ws");
        List<Mqtt5BlockingClient> hive = new ArrayList<>();
        hive.add(websocket(Mqtt5Client.builder().identifier("hive-ws").serverPort(ws)));
        hive.add(websocket(Mqtt5Client.builder().identifier("hive-wss").serverPort(wss).sslConfig()
                .trustManagerFactory(TlsE2eTest.trust(pki.ca.cert())).applySslConfig()));
        try (PahoClient java = PahoClient.connect("tcp://127.0.0.1:" + tcp, "java-tcp", null, null)) {
            assertThat(java.subscribe(topic + "/up/#", 1)).isEqualTo(1);
            for (int i = 0; i < hive.size(); i++) {
                Mqtt5BlockingClient c = hive.get(i);
                c.connect();
                try (Mqtt5BlockingClient.Mqtt5Publishes inbox = c.publishes(MqttGlobalPublishFilter.ALL)) {
                    c.subscribeWith().topicFilter(topic + "/down/" + i).qos(MqttQos.AT_LEAST_ONCE).send();
                    java.publish(topic + "/down/" + i, "hello-" + i, 1);
                    assertThat(TlsE2eTest.payload(inbox.receive(10, TimeUnit.SECONDS))).isEqualTo("hello-" + i);
                    c.publishWith().topic(topic + "/up/" + i).qos(MqttQos.AT_LEAST_ONCE)
                            .payload(("echo:hello-" + i).getBytes(StandardCharsets.UTF_8)).send();
                    assertThat(java.next()).isEqualTo(topic + "/up/" + i + " echo:hello-" + i);
                } finally {
                    c.disconnect();
                }
            }
        }
    }

    private static Mqtt5BlockingClient websocket(Mqtt5ClientBuilder b) {
        return b.serverHost("127.0.0.1").webSocketConfig().serverPath("/").subprotocol("mqtt").applyWebSocketConfig()
                .buildBlocking();
    }

    @Test
    void mqttJsInNodeExchangesMessagesWithATcpClientOverWsAndWss() throws Exception {
        Path node = Processes.assumeNode();
        exchange(Map.of("TERN_E2E_CA", pki.ca.certFile().toString()), node, "node-client.js",
                "ws://127.0.0.1:" + ws, "wss://127.0.0.1:" + wss);
    }

    @Test
    void mqttJsInHeadlessChromiumExchangesMessagesWithATcpClientOverWsAndWss() throws Exception {
        Path node = Processes.assumeNode();
        Processes.assumeExecutable(Processes.CHROMIUM, "apt-get install chromium");
        exchange(Map.of("TERN_E2E_CHROMIUM", Processes.CHROMIUM.toString()), node, "browser-client.js",
                "ws://127.0.0.1:" + ws, "wss://127.0.0.1:" + wss);
    }

    /**
     * Runs an e2e/ script speaking the line protocol of e2e/exchange.js: for URL i it subscribes to
     * PREFIX/down/i and says "READY i"; the Java client publishes there, the script echoes to PREFIX/up/i.
     */
    private static void exchange(Map<String, String> env, Path node, String script, String... urls) throws Exception {
        String prefix = Brokers.topic(script.replace(".js", ""));
        List<String> command = Processes.list(node, Processes.E2E_DIR.resolve(script), prefix);
        command.addAll(List.of(urls));
        try (PahoClient java = PahoClient.connect("tcp://127.0.0.1:" + tcp, "java-" + script, null, null);
             Processes.Background js = new Processes.Background(env, command)) {
            assertThat(java.subscribe(prefix + "/up/#", 1)).isEqualTo(1);
            for (int i = 0; i < urls.length; i++) {
                // a browser start takes a few seconds on a busy 2-core machine
                js.awaitLine("READY " + i, Duration.ofSeconds(60));
                java.publish(prefix + "/down/" + i, "hello-" + i, 1);
                assertThat(java.next()).as(urls[i]).isEqualTo(prefix + "/up/" + i + " echo:hello-" + i);
                js.awaitLine("RECEIVED " + i + " hello-" + i, Duration.ofSeconds(20));
            }
            assertThat(js.awaitExit(Duration.ofSeconds(30))).as(js.output()).isZero();
            assertThat(js.lines).contains("DONE");
        }
    }
}
