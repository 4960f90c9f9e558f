package io.tern.client;

import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The client against a real Mosquitto 2.0 broker. */
class MqttClientMosquittoTest {

    @TempDir
    Path dir;

    private MosquittoBroker broker;
    private final List<MqttClient> clients = new ArrayList<>();

    @BeforeEach
    void startBroker() throws Exception {
        broker = MosquittoBroker.start(dir, true, "");
    }

    @AfterEach
    void stopAll() {
        clients.forEach(MqttClient::close);
        if (broker != null) {
            broker.kill();
        }
    }

    private MqttClient.Builder builder(MqttVersion version, String id) {
        return MqttClient.builder().serverUri(broker.tcpUri()).version(version).clientId(id)
                .connectTimeout(Duration.ofSeconds(5));
    }

    private MqttClient track(MqttClient c) {
        clients.add(c);
        return c;
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

    @ParameterizedTest(name = "{0} publish QoS {1} to subscription QoS {2}")
    @MethodSource("versionsAndQos")
    void deliversAtTheLowerOfPublishAndSubscriptionQos(MqttVersion v, int pubQos, int subQos) throws Exception {
        MqttClient sub = track(builder(v, "sub-" + v.level()).build());
        MqttClient pub = track(builder(v, "pub-" + v.level()).build());
        sub.connect().get(5, TimeUnit.SECONDS);
        pub.connect().get(5, TimeUnit.SECONDS);
        BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
        SubscribeResult sr = sub.subscribe("t/+/x", subQos, got::add).get(5, TimeUnit.SECONDS);
        assertThat(sr.reasonCodes()).containsExactly(subQos);

        pub.publish("t/a/x", "hello".getBytes(StandardCharsets.UTF_8), pubQos, false).get(5, TimeUnit.SECONDS);

        MqttMessage m = got.poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.topic()).isEqualTo("t/a/x");
        assertThat(m.payloadAsString()).isEqualTo("hello");
        assertThat(m.qos()).isEqualTo(Math.min(pubQos, subQos));
        assertThat(m.packetId() != 0).isEqualTo(m.qos() > 0);
        assertThat(got.poll(200, TimeUnit.MILLISECONDS)).as("delivered once").isNull();
    }

    @Test
    void manyQos1And2PublishesThroughASmallInflightWindowAllComplete() throws Exception {
        MqttClient sub = track(builder(MqttVersion.MQTT_5, "win-sub").build());
        MqttClient pub = track(builder(MqttVersion.MQTT_5, "win-pub").maxInflight(2).build());
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
        // Order holds per QoS level only (a QoS 2 message is forwarded on PUBREL, so it may pass a QoS 1 one).
        for (int q = 0; q < 2; q++) {
            List<Integer> expected = new ArrayList<>();
            List<Integer> actual = new ArrayList<>();
            for (int i = q; i < 200; i += 2) {
                expected.add(i);
            }
            for (String s : got) {
                if (Integer.parseInt(s) % 2 == q) {
                    actual.add(Integer.parseInt(s));
                }
            }
            assertThat(actual).as("QoS %d in order, each once", q + 1).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void retainedMessageAndV5PropertiesRoundTrip() throws Exception {
        MqttClient pub = track(builder(MqttVersion.MQTT_5, "props-pub").build());
        pub.connect().get(5, TimeUnit.SECONDS);
        Properties props = Properties.builder().userProperty("k", "v")
                .put(io.tern.codec.PropertyId.CONTENT_TYPE, "text/plain").build();
        pub.publish(MqttMessage.of("r/1", "kept".getBytes(StandardCharsets.UTF_8), 1, true, props))
                .get(5, TimeUnit.SECONDS);
        MqttClient sub = track(builder(MqttVersion.MQTT_5, "props-sub").build());
        sub.connect().get(5, TimeUnit.SECONDS);
        BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
        sub.subscribe("r/#", 1, got::add).get(5, TimeUnit.SECONDS);
        MqttMessage m = got.poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.retain()).isTrue();
        assertThat(m.properties().userProperties()).extracting(io.tern.codec.UserProperty::value).containsExactly("v");
        assertThat(m.properties().stringValue(io.tern.codec.PropertyId.CONTENT_TYPE)).isEqualTo("text/plain");
    }

    @Test
    void unsubscribeStopsDelivery() throws Exception {
        MqttClient c = track(builder(MqttVersion.MQTT_3_1_1, "unsub").build());
        c.connect().get(5, TimeUnit.SECONDS);
        BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
        c.subscribe("u", 1, got::add).get(5, TimeUnit.SECONDS);
        c.publish("u", "1", 1, false).get(5, TimeUnit.SECONDS);
        assertThat(got.poll(5, TimeUnit.SECONDS)).isNotNull();
        c.unsubscribe("u").get(5, TimeUnit.SECONDS);
        c.publish("u", "2", 1, false).get(5, TimeUnit.SECONDS);
        c.publish("sync", "", 1, false).get(5, TimeUnit.SECONDS);
        assertThat(got.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void willIsPublishedWhenTheConnectionIsAbortedButNotOnDisconnect() throws Exception {
        MqttClient watcher = track(builder(MqttVersion.MQTT_3_1_1, "watcher").build());
        watcher.connect().get(5, TimeUnit.SECONDS);
        BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
        watcher.subscribe("will/#", 1, got::add).get(5, TimeUnit.SECONDS);

        MqttClient polite = track(builder(MqttVersion.MQTT_3_1_1, "polite")
                .will("will/polite", "gone".getBytes(StandardCharsets.UTF_8), 1, false).build());
        polite.connect().get(5, TimeUnit.SECONDS);
        polite.disconnect().get(5, TimeUnit.SECONDS);

        MqttClient rude = track(builder(MqttVersion.MQTT_5, "rude")
                .will("will/rude", "gone".getBytes(StandardCharsets.UTF_8), 1, false).build());
        rude.connect().get(5, TimeUnit.SECONDS);
        rude.abort();

        MqttMessage m = got.poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.topic()).as("only the aborted client's will [MQTT-3.1.2-8], [MQTT-3.14.4-3]")
                .isEqualTo("will/rude");
        assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void refusedConnectionSaysWhy() throws Exception {
        broker.kill();
        broker = MosquittoBroker.start(dir, false, "allow_anonymous false");
        MqttClient c = track(builder(MqttVersion.MQTT_3_1_1, "nobody").build());
        assertThatThrownBy(() -> c.blocking().connect())
                .isInstanceOf(ConnectionRefusedException.class)
                .hasMessage("Connection Refused: not authorised.")
                .extracting(e -> ((ConnectionRefusedException) e).reasonCode()).isEqualTo(5);
        MqttClient c5 = track(builder(MqttVersion.MQTT_5, "nobody5").build());
        assertThatThrownBy(() -> c5.blocking().connect())
                .isInstanceOf(ConnectionRefusedException.class)
                .hasMessage("Not authorized");
        assertThat(c5.isConnected()).isFalse();
    }

    @Test
    void connectFailsWhenNothingListens() throws Exception {
        int port = broker.port();
        broker.kill();
        MqttClient c = track(MqttClient.builder().serverUri("tcp://127.0.0.1:" + port).build());
        assertThatThrownBy(() -> c.connect().get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(java.net.ConnectException.class);
        assertThatThrownBy(() -> c.publish("x", "y", 0, false).get(1, TimeUnit.SECONDS))
                .hasCauseInstanceOf(MqttClientException.class);
    }

    @Test
    void webSocketTransport() throws Exception {
        for (MqttVersion v : MqttVersion.values()) {
            MqttClient c = track(MqttClient.builder().serverUri("ws://127.0.0.1:" + broker.wsPort() + "/mqtt")
                    .version(v).clientId("ws-" + v.level()).connectTimeout(Duration.ofSeconds(5)).build());
            c.connect().get(5, TimeUnit.SECONDS);
            BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
            c.subscribe("ws/t", 2, got::add).get(5, TimeUnit.SECONDS);
            // Spans several TCP segments. Kept small: Mosquitto 2.0.11's WebSocket listener reads about
            // 50 KB/s from one connection, so a big payload only measures its slowness.
            byte[] big = new byte[20_000];
            big[big.length - 1] = 7;
            c.publish("ws/t", big, 2, false).get(5, TimeUnit.SECONDS);
            MqttMessage m = got.poll(5, TimeUnit.SECONDS);
            assertThat(m).as("ws with " + v).isNotNull();
            assertThat(m.payload()).isEqualTo(big);
            c.disconnect().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void reconnectsAfterTheBrokerIsKilledAndRestoresSubscriptions() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
        MqttClient c = track(builder(MqttVersion.MQTT_3_1_1, "phoenix")
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

                    @Override
                    public void reconnecting(int attempt, Duration delay) {
                        events.add("reconnecting");
                    }
                }).build());
        c.connect().get(5, TimeUnit.SECONDS);
        c.subscribe("phoenix/#", 1, got::add).get(5, TimeUnit.SECONDS);

        broker.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("lost"));
        broker.restart();
        await().atMost(Duration.ofSeconds(10)).until(c::isConnected);
        assertThat(events).startsWith("connected false", "lost", "reconnecting").endsWith("connected false");

        // The new broker knows nothing of us: only a resubscribe makes this arrive.
        MqttClient pub = track(builder(MqttVersion.MQTT_3_1_1, "pub").build());
        pub.connect().get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            pub.publish("phoenix/x", "again", 1, false).get(5, TimeUnit.SECONDS);
            return got.poll(100, TimeUnit.MILLISECONDS) != null;
        });
    }

    @Test
    void qos1MessagesSurviveABrokerRestartWithPersistentSessionsAndTheOfflineBuffer() throws Exception {
        broker.kill();
        broker = MosquittoBroker.start(dir, false,
                "persistence true\npersistence_location " + dir + "/\nautosave_interval 3600");
        List<String> got = new CopyOnWriteArrayList<>();
        List<Boolean> sessionPresent = new CopyOnWriteArrayList<>();
        MqttClient sub = track(builder(MqttVersion.MQTT_5, "durable-sub").cleanStart(false)

                .connectProperties(Properties.builder()
                        .put(io.tern.codec.PropertyId.SESSION_EXPIRY_INTERVAL, 3600L).build())
                .automaticReconnect(Duration.ofMillis(50), Duration.ofMillis(400))
                .connectionListener(new ConnectionListener() {
                    @Override
                    public void connected(ConnectResult r) {
                        sessionPresent.add(r.sessionPresent());
                    }
                }).build());
        MqttClient pub = track(builder(MqttVersion.MQTT_5, "durable-pub")
                .automaticReconnect(Duration.ofMillis(50), Duration.ofMillis(400)).build());
        sub.connect().get(5, TimeUnit.SECONDS);
        sub.subscribe("d", 1, m -> got.add(m.payloadAsString())).get(5, TimeUnit.SECONDS);
        pub.connect().get(5, TimeUnit.SECONDS);
        pub.publish("d", "before", 1, false).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> got.contains("before"));

        broker.stop(); // SIGTERM: Mosquitto writes its persistence file
        await().atMost(Duration.ofSeconds(5)).until(() -> !pub.isConnected() && !sub.isConnected());
        List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fs.add(pub.publish("d", "offline-" + i, 1, false)); // waits in the offline buffer
        }
        broker.restart();
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(15, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> got.stream().filter(s -> s.startsWith("offline-")).distinct().count() == 50);
        assertThat(sessionPresent).as("the subscriber's session came back from disk").containsExactly(false, true);
    }

    @Test
    void offlineBufferIsBounded() throws Exception {
        MqttClient c = track(builder(MqttVersion.MQTT_3_1_1, "bounded").offlineBufferLimit(3)
                .automaticReconnect(Duration.ofSeconds(30), Duration.ofSeconds(30)).build());
        c.connect().get(5, TimeUnit.SECONDS);
        broker.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> !c.isConnected());
        List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            fs.add(c.publish("b", "x", 1, false));
        }
        assertThatThrownBy(() -> fs.get(3).get(1, TimeUnit.SECONDS)).hasMessageContaining("offline buffer full");
        assertThat(fs.subList(0, 3)).noneMatch(CompletableFuture::isDone);
        c.disconnect().get(5, TimeUnit.SECONDS);
        assertThat(fs.subList(0, 3)).allMatch(CompletableFuture::isCompletedExceptionally);
    }

    @Test
    void mqtt5SubscriptionOptionsAndDefaultHandler() throws Exception {
        BlockingQueue<MqttMessage> viaDefault = new LinkedBlockingQueue<>();
        MqttClient c = track(builder(MqttVersion.MQTT_5, "opts").defaultHandler(viaDefault::add).build());
        c.connect().get(5, TimeUnit.SECONDS);
        // no local: our own publish is not sent back to us [MQTT-3.8.3-3]
        c.subscribe(List.of(new Packet.Subscription("nl", 1, true, false, 0)), Properties.EMPTY, null)
                .get(5, TimeUnit.SECONDS);
        c.subscribe(List.of(new Packet.Subscription("dh", 1)), Properties.EMPTY, null).get(5, TimeUnit.SECONDS);
        c.publish("nl", "mine", 1, false).get(5, TimeUnit.SECONDS);
        c.publish("dh", "to default", 1, false).get(5, TimeUnit.SECONDS);
        MqttMessage m = viaDefault.poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.topic()).isEqualTo("dh");
        assertThat(viaDefault.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
}
