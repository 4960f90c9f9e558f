package io.tern.client;

import io.tern.broker.config.ListenerConfig;
import io.tern.broker.config.ListenerProtocol;
import io.tern.broker.config.PersistenceSync;
import io.tern.broker.transport.TestPki;
import io.tern.codec.MqttVersion;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The client against the Tern broker in this JVM: the scenarios of {@link MqttClientMosquittoTest} (QoS both ways,
 * will, reconnect with resubscribe, a persistent session across a restart, WebSocket) plus TLS and TLS-PSK.
 */
class MqttClientTernTest {

    /** One broker for the QoS matrix; each case has its own topic and client ids. */
    private static TernBroker shared;
    private static final AtomicInteger CASE = new AtomicInteger();

    @TempDir
    Path dir;

    private TernBroker broker;
    private final List<MqttClient> clients = new ArrayList<>();

    @BeforeAll
    static void startShared() throws Exception {
        shared = TernBroker.start();
    }

    @AfterAll
    static void stopShared() {
        if (shared != null) {
            shared.close();
        }
    }

    @AfterEach
    void stopAll() {
        clients.forEach(MqttClient::close);
        if (broker != null) {
            broker.close();
        }
    }

    private MqttClient track(MqttClient c) {
        clients.add(c);
        return c;
    }

    private static MqttClient.Builder builder(String uri, MqttVersion version, String id) {
        return MqttClient.builder().serverUri(uri).version(version).clientId(id).connectTimeout(Duration.ofSeconds(5));
    }

    static Stream<Arguments> versionsAndQos() {
        List<Arguments> out = new ArrayList<>();
        for (MqttVersion v : MqttVersion.values()) {
            for (int pubQos = 0; pubQos <= 2; pubQos++) {
                for (int subQos = 0; subQos <= 2; subQos++) {
                    out.add(Arguments.of(v, pubQos, subQos));
                }
            }
        }
        return out.stream();
    }

    /** [MQTT-3.8.4-6]: delivered at the lower of the publish and the granted QoS. */
    @ParameterizedTest(name = "{0} publish QoS {1} to subscription QoS {2}")
    @MethodSource("versionsAndQos")
    void deliversAtTheLowerOfPublishAndSubscriptionQos(MqttVersion v, int pubQos, int subQos) throws Exception {
        int n = CASE.incrementAndGet();
        MqttClient sub = track(builder(shared.tcpUri(), v, "sub-" + n).build());
        MqttClient pub = track(builder(shared.tcpUri(), v, "pub-" + n).build());
        sub.connect().get(5, TimeUnit.SECONDS);
        pub.connect().get(5, TimeUnit.SECONDS);
        BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
        String topic = "q" + n + "/a/x";
        assertThat(sub.subscribe("q" + n + "/+/x", subQos, got::add).get(5, TimeUnit.SECONDS).reasonCodes())
                .containsExactly(subQos);

        pub.publish(topic, "hello".getBytes(StandardCharsets.UTF_8), pubQos, false).get(5, TimeUnit.SECONDS);

        MqttMessage m = got.poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.topic()).isEqualTo(topic);
        assertThat(m.payloadAsString()).isEqualTo("hello");
        assertThat(m.qos()).isEqualTo(Math.min(pubQos, subQos));
        // a later message on the same subscription proves the first was not sent twice
        pub.publish(topic, "sync", 1, false).get(5, TimeUnit.SECONDS);
        assertThat(got.poll(5, TimeUnit.SECONDS)).extracting(MqttMessage::payloadAsString).isEqualTo("sync");
    }

    @Test
    void manyQos1And2PublishesThroughASmallInflightWindowAllComplete() throws Exception {
        broker = TernBroker.start();
        MqttClient sub = track(builder(broker.tcpUri(), MqttVersion.MQTT_5, "win-sub").build());
        MqttClient pub = track(builder(broker.tcpUri(), MqttVersion.MQTT_5, "win-pub").maxInflight(2).build());
        sub.connect().get(5, TimeUnit.SECONDS);
        pub.connect().get(5, TimeUnit.SECONDS);
        List<String> got = new CopyOnWriteArrayList<>();
        sub.subscribe("w", 2, m -> got.add(m.payloadAsString())).get(5, TimeUnit.SECONDS);
        List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            fs.add(pub.publish("w", Integer.toString(i), 1 + i % 2, false));
        }
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 200);
        assertThat(got).doesNotHaveDuplicates();
    }

    @Test
    void manualAcknowledgementHoldsMessagesUntilAcknowledged() throws Exception {
        broker = TernBroker.start();
        List<MqttMessage> got = new CopyOnWriteArrayList<>();
        MqttClient sub = track(builder(broker.tcpUri(), MqttVersion.MQTT_3_1_1, "manual").cleanStart(false)
                .manualAcknowledgement(true).defaultHandler(got::add).build());
        sub.connect().get(5, TimeUnit.SECONDS);
        sub.subscribe("m/#", 2, got::add).get(5, TimeUnit.SECONDS);
        MqttClient pub = track(builder(broker.tcpUri(), MqttVersion.MQTT_3_1_1, "manual-pub").build());
        pub.connect().get(5, TimeUnit.SECONDS);
        pub.publish("m/1", "one", 1, false).get(5, TimeUnit.SECONDS);
        pub.publish("m/2", "two", 2, false).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 2);
        // not acknowledged: after a lost connection the broker sends both again [MQTT-4.4.0-1]
        sub.abort();
        sub.connect().get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 4);
        assertThat(got.subList(2, 4)).extracting(MqttMessage::topic).containsExactly("m/1", "m/2");
        assertThat(got.subList(2, 4)).allMatch(MqttMessage::dup);
        got.subList(2, 4).forEach(sub::acknowledge);
        // acknowledged: a marker after them arrives, and they do not come a third time after a reconnect
        pub.publish("m/3", "three", 1, false).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 5);
        sub.acknowledge(got.get(4));
        sub.abort();
        sub.connect().get(5, TimeUnit.SECONDS);
        pub.publish("m/4", "four", 1, false).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 6);
        assertThat(got.get(5).topic()).isEqualTo("m/4");
    }

    @Test
    void willIsPublishedWhenTheConnectionIsAbortedButNotOnDisconnect() throws Exception {
        broker = TernBroker.start();
        MqttClient watcher = track(builder(broker.tcpUri(), MqttVersion.MQTT_3_1_1, "watcher").build());
        watcher.connect().get(5, TimeUnit.SECONDS);
        BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
        watcher.subscribe("will/#", 1, got::add).get(5, TimeUnit.SECONDS);

        MqttClient polite = track(builder(broker.tcpUri(), MqttVersion.MQTT_3_1_1, "polite")
                .will("will/polite", "gone".getBytes(StandardCharsets.UTF_8), 1, false).build());
        polite.connect().get(5, TimeUnit.SECONDS);
        polite.disconnect().get(5, TimeUnit.SECONDS);

        MqttClient rude = track(builder(broker.tcpUri(), MqttVersion.MQTT_5, "rude")
                .will("will/rude", "gone".getBytes(StandardCharsets.UTF_8), 1, true).build());
        rude.connect().get(5, TimeUnit.SECONDS);
        rude.abort();

        MqttMessage m = got.poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.topic()).as("only the aborted client's will [MQTT-3.1.2-8], [MQTT-3.14.4-3]")
                .isEqualTo("will/rude");
        assertThat(m.payloadAsString()).isEqualTo("gone");
        // the will was retained [MQTT-3.1.2-17]: a new subscriber gets it
        MqttClient late = track(builder(broker.tcpUri(), MqttVersion.MQTT_5, "late").build());
        late.connect().get(5, TimeUnit.SECONDS);
        BlockingQueue<MqttMessage> retained = new LinkedBlockingQueue<>();
        late.subscribe("will/#", 1, retained::add).get(5, TimeUnit.SECONDS);
        MqttMessage r = retained.poll(5, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        assertThat(r.topic()).isEqualTo("will/rude");
        assertThat(r.retain()).isTrue();
        watcher.publish("will/sync", "", 1, false).get(5, TimeUnit.SECONDS);
        assertThat(got.poll(5, TimeUnit.SECONDS)).extracting(MqttMessage::topic).isEqualTo("will/sync");
    }

    @Test
    void reconnectsAfterTheBrokerIsStoppedAndRestoresSubscriptions() throws Exception {
        broker = TernBroker.start();
        List<String> events = new CopyOnWriteArrayList<>();
        BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
        MqttClient c = track(builder(broker.tcpUri(), MqttVersion.MQTT_3_1_1, "phoenix")
                .automaticReconnect(Duration.ofMillis(50), Duration.ofMillis(400))
                .connectionListener(new ConnectionListener() {
                    @Override
                    public void connected(ConnectResult r) {
                        events.add("connected " + r.sessionPresent());
                    }

                    @Override
                    public void connectionLost(Throwable cause) {
                        events.add("lost");
                    }
                }).build());
        c.connect().get(5, TimeUnit.SECONDS);
        c.subscribe("phoenix/#", 1, got::add).get(5, TimeUnit.SECONDS);

        broker.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("lost"));
        broker.restart();
        await().atMost(Duration.ofSeconds(10)).until(c::isConnected);
        assertThat(events).containsExactly("connected false", "lost", "connected false");

        // The new broker (in-memory store) knows nothing of us: only a resubscribe makes this arrive.
        MqttClient pub = track(builder(broker.tcpUri(), MqttVersion.MQTT_3_1_1, "pub").build());
        pub.connect().get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            pub.publish("phoenix/x", "again", 1, false).get(5, TimeUnit.SECONDS);
            return got.poll(100, TimeUnit.MILLISECONDS) != null;
        });
    }

    @Test
    void qos1MessagesSurviveABrokerRestartWithPersistenceAndTheOfflineBuffer() throws Exception {
        broker = TernBroker.start(c -> c.persistence(true).persistenceLocation(dir.toString())
                .persistenceFile("tern.db").persistenceSync(PersistenceSync.ALWAYS));
        List<String> got = new CopyOnWriteArrayList<>();
        List<Boolean> sessionPresent = new CopyOnWriteArrayList<>();
        MqttClient sub = track(builder(broker.tcpUri(), MqttVersion.MQTT_5, "durable-sub").cleanStart(false)
                .connectProperties(Properties.builder().put(PropertyId.SESSION_EXPIRY_INTERVAL, 3600L).build())
                .automaticReconnect(Duration.ofMillis(50), Duration.ofMillis(400))
                .connectionListener(new ConnectionListener() {
                    @Override
                    public void connected(ConnectResult r) {
                        sessionPresent.add(r.sessionPresent());
                    }
                }).build());
        MqttClient pub = track(builder(broker.tcpUri(), MqttVersion.MQTT_5, "durable-pub")
                .automaticReconnect(Duration.ofMillis(50), Duration.ofMillis(400)).build());
        sub.connect().get(5, TimeUnit.SECONDS);
        sub.subscribe("d", 1, m -> got.add(m.payloadAsString())).get(5, TimeUnit.SECONDS);
        pub.connect().get(5, TimeUnit.SECONDS);
        pub.publish("d", "before", 1, false).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> got.contains("before"));

        // the subscriber goes away; the broker queues for its persistent session, to disk
        sub.disconnect().get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) {
            pub.publish("d", "queued-" + i, 1, false).get(5, TimeUnit.SECONDS); // PUBACK: stored
        }
        broker.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> !pub.isConnected());
        List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            fs.add(pub.publish("d", "offline-" + i, 1, false)); // waits in the client's offline buffer
        }
        broker.restart();
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(15, TimeUnit.SECONDS);
        sub.connect().get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> got.stream().distinct().count() == 51);
        assertThat(got.stream().filter(s -> s.startsWith("queued-")).distinct()).hasSize(20);
        assertThat(got.stream().filter(s -> s.startsWith("offline-")).distinct()).hasSize(30);
        assertThat(sessionPresent).as("the subscriber's session came back from disk").containsExactly(false, true);
    }

    @Test
    void webSocketTransport() throws Exception {
        broker = TernBroker.start(c -> c.addListener(new ListenerConfig(0, "127.0.0.1")
                .protocol(ListenerProtocol.WEBSOCKETS)));
        for (MqttVersion v : MqttVersion.values()) {
            MqttClient c = track(builder("ws://127.0.0.1:" + broker.port() + "/mqtt", v, "ws-" + v.level()).build());
            c.connect().get(5, TimeUnit.SECONDS);
            BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
            c.subscribe("ws/t", 2, got::add).get(5, TimeUnit.SECONDS);
            byte[] big = new byte[300_000]; // many WebSocket frames and TCP segments
            big[big.length - 1] = 7;
            c.publish("ws/t", big, 2, false).get(5, TimeUnit.SECONDS);
            MqttMessage m = got.poll(5, TimeUnit.SECONDS);
            assertThat(m).as("ws with " + v).isNotNull();
            assertThat(m.payload()).isEqualTo(big);
            c.disconnect().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void tlsAndSecureWebSocketsWithHostNameCheck() throws Exception {
        TestPki pki = new TestPki(dir, "Tern Client Test CA");
        TestPki.Issued server = pki.server();
        broker = TernBroker.start(c -> {
            c.addListener(new ListenerConfig(0, "127.0.0.1").certfile(server.certFile().toString())
                    .keyfile(server.keyFile().toString()));
            c.addListener(new ListenerConfig(0, "127.0.0.1").protocol(ListenerProtocol.WEBSOCKETS)
                    .certfile(server.certFile().toString()).keyfile(server.keyFile().toString()));
        });
        for (String uri : List.of("ssl://127.0.0.1:" + broker.port(0), "wss://127.0.0.1:" + broker.port(1) + "/mqtt")) {
            MqttClient c = track(builder(uri, MqttVersion.MQTT_5, "tls")
                    .tls(TlsSettings.trusting(pki.ca.certFile())).build());
            c.connect().get(10, TimeUnit.SECONDS);
            BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
            c.subscribe("tls/t", 1, got::add).get(5, TimeUnit.SECONDS);
            c.publish("tls/t", "secret", 1, false).get(5, TimeUnit.SECONDS);
            assertThat(got.poll(5, TimeUnit.SECONDS)).as(uri).extracting(MqttMessage::payloadAsString)
                    .isEqualTo("secret");
            c.disconnect().get(5, TimeUnit.SECONDS);
        }
        Path otherDir = Files.createDirectories(dir.resolve("other"));
        TestPki other = new TestPki(otherDir, "Someone Else");
        MqttClient untrusting = track(builder("ssl://127.0.0.1:" + broker.port(0), MqttVersion.MQTT_5, "x")
                .tls(TlsSettings.trusting(other.ca.certFile())).build());
        assertThatThrownBy(() -> untrusting.connect().get(10, TimeUnit.SECONDS))
                .hasMessageContaining("TLS handshake failed");
    }

    @Test
    void tlsPskBothVersionsAndAWrongKey() throws Exception {
        String key = "00aabbccddeeff00112233445566778899";
        Files.writeString(dir.resolve("psk.txt"), "sensor1:" + key + "\n");
        broker = TernBroker.start(c -> {
            c.pskFile(dir.resolve("psk.txt").toString());
            c.addListener(new ListenerConfig(0, "127.0.0.1").pskHint("hint"));
        });
        String uri = "ssl://127.0.0.1:" + broker.port();
        for (List<String> versions : List.of(List.<String>of(), List.of("TLSv1.3"), List.of("TLSv1.2"))) {
            TlsSettings tls = new TlsSettings(null, null, null, null, false, versions, List.of(), List.of(),
                    "sensor1", key);
            MqttClient c = track(builder(uri, MqttVersion.MQTT_5, "psk").tls(tls).build());
            c.connect().get(10, TimeUnit.SECONDS);
            BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
            c.subscribe("psk/t", 2, got::add).get(5, TimeUnit.SECONDS);
            byte[] big = new byte[100_000];
            big[0] = 1;
            c.publish("psk/t", big, 2, false).get(5, TimeUnit.SECONDS);
            assertThat(got.poll(5, TimeUnit.SECONDS)).as(versions.toString()).extracting(MqttMessage::payload)
                    .isEqualTo(big);
            c.disconnect().get(5, TimeUnit.SECONDS);
        }
        for (TlsSettings bad : List.of(TlsSettings.psk("sensor1", "aabbccddeeff00112233445566778899"),
                TlsSettings.psk("nobody", key))) {
            MqttClient c = track(builder(uri, MqttVersion.MQTT_5, "bad").tls(bad).build());
            assertThatThrownBy(() -> c.connect().get(10, TimeUnit.SECONDS)).as(bad.pskIdentity())
                    .hasMessageContaining("TLS handshake failed");
        }
    }
}
