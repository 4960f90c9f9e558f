package io.tern.client;

import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Outgoing topic aliases against the real Mosquitto 2.0 ({@code max_topic_alias 2}), seen on the wire through a
 * {@link RecordingProxy}: aliases are used, never above Mosquitto's maximum, and start afresh on every connection,
 * so Mosquitto (which drops a connection using an alias it does not know) delivers every message on its topic.
 */
class TopicAliasMosquittoTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    private MosquittoBroker mosquitto() throws Exception {
        return keep(MosquittoBroker.start(dir, false, "max_topic_alias 2"));
    }

    private LinkedBlockingQueue<MqttMessage> subscriber(MosquittoBroker m, String id) {
        LinkedBlockingQueue<MqttMessage> in = new LinkedBlockingQueue<>();
        MqttClient c = keep(MqttClient.builder().serverUri(m.tcpUri()).clientId(id).version(MqttVersion.MQTT_5)
                .build());
        c.connect().join();
        c.subscribe("t/#", 1, in::add).join();
        return in;
    }

    private static List<String> topics(LinkedBlockingQueue<MqttMessage> in, int n) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MqttMessage m = in.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (m == null) {
                throw new AssertionError("only " + out + " within " + WAIT.toSeconds() + " s");
            }
            assertThat(m.payloadAsString()).as("message %d on the topic it was published to", i)
                    .isEqualTo(i + ":" + m.topic());
            out.add(m.topic());
        }
        return out;
    }

    private static void publishAll(MqttClient c, List<String> topics, int from) {
        for (int i = 0; i < topics.size(); i++) {
            c.publish(topics.get(i), ((from + i) + ":" + topics.get(i)), 1, false).join();
        }
    }

    private static long aliasOnly(List<Packet.Publish> sent) {
        return sent.stream().filter(p -> p.topic().isEmpty() && p.properties().has(PropertyId.TOPIC_ALIAS)).count();
    }

    @Test
    void aliasesGoOnTheWireWithinMosquittosMaximumAndEveryMessageKeepsItsTopic() throws Exception {
        MosquittoBroker m = mosquitto();
        RecordingProxy proxy = keep(RecordingProxy.start(m.port()));
        LinkedBlockingQueue<MqttMessage> in = subscriber(m, "sub");
        MqttClient pub = keep(MqttClient.builder().serverUri(proxy.tcpUri()).clientId("pub")
                .version(MqttVersion.MQTT_5).topicAliasMaximum(100).build());
        ConnectResult r = pub.connect().join();
        assertThat(r.properties().intValue(PropertyId.TOPIC_ALIAS_MAXIMUM, 0)).isEqualTo(2);

        // three topics for two aliases: reuse, and replacement of the least recently used
        List<String> sequence = List.of("t/a", "t/a", "t/b", "t/a", "t/c", "t/c", "t/b", "t/a", "t/a", "t/c");
        publishAll(pub, sequence, 0);
        assertThat(topics(in, sequence.size())).containsExactlyElementsOf(sequence);

        List<Packet.Publish> sent = proxy.publishes(0);
        assertThat(sent).hasSize(sequence.size());
        assertThat(aliasOnly(sent)).as("PUBLISHes with an empty topic and an alias").isGreaterThanOrEqualTo(4);
        assertThat(sent).allSatisfy(p -> assertThat(p.properties().intValue(PropertyId.TOPIC_ALIAS, 0))
                .as("[MQTT-3.3.2-9] no alias above the CONNACK's Topic Alias Maximum").isBetween(1, 2));
        assertThat(proxy.resolvedTopics(0)).containsExactlyElementsOf(sequence);
    }

    @Test
    void offByDefault() throws Exception {
        MosquittoBroker m = mosquitto();
        RecordingProxy proxy = keep(RecordingProxy.start(m.port()));
        MqttClient pub = keep(MqttClient.builder().serverUri(proxy.tcpUri()).clientId("pub")
                .version(MqttVersion.MQTT_5).build());
        pub.connect().join();
        publishAll(pub, List.of("t/a", "t/a"), 0);
        assertThat(proxy.publishes(0)).noneMatch(p -> p.properties().has(PropertyId.TOPIC_ALIAS));
    }

    @Test
    void theMappingStartsAfreshWhenMosquittoRestarts() throws Exception {
        // [MQTT-3.3.2-7]: aliases do not outlive the network connection; a client that kept them would send
        // an alias the new Mosquitto does not know, and be disconnected
        MosquittoBroker m = mosquitto();
        RecordingProxy proxy = keep(RecordingProxy.start(m.port()));
        MqttClient pub = keep(MqttClient.builder().serverUri(proxy.tcpUri()).clientId("pub")
                .version(MqttVersion.MQTT_5).topicAliasMaximum(10)
                .automaticReconnect(Duration.ofMillis(100), Duration.ofMillis(500)).build());
        pub.connect().join();
        LinkedBlockingQueue<MqttMessage> in = subscriber(m, "sub1");
        publishAll(pub, List.of("t/a", "t/b", "t/a"), 0);
        assertThat(topics(in, 3)).containsExactly("t/a", "t/b", "t/a");

        m.stop();
        m.restart();
        await().atMost(WAIT).until(() -> proxy.connections() >= 2 && pub.isConnected());
        LinkedBlockingQueue<MqttMessage> after = subscriber(m, "sub2");
        List<String> again = List.of("t/b", "t/a", "t/b", "t/a");
        for (int i = 0; i < again.size(); i++) {
            pub.publish(again.get(i), i + ":" + again.get(i), 1, false).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertThat(topics(after, again.size())).containsExactlyElementsOf(again);
        int last = proxy.connections() - 1;
        List<Packet.Publish> sent = proxy.publishes(last);
        assertThat(sent.get(0).topic()).as("first publish on the new connection names its topic").isEqualTo("t/b");
        assertThat(aliasOnly(sent)).isEqualTo(2);
        assertThat(proxy.resolvedTopics(last)).containsExactlyElementsOf(again);
    }

    @Test
    void aMessageResentAfterAReconnectCarriesItsFullTopic() throws Exception {
        MosquittoBroker m = mosquitto();
        RecordingProxy proxy = keep(RecordingProxy.start(m.port()));
        LinkedBlockingQueue<MqttMessage> in = subscriber(m, "sub");
        MqttClient pub = keep(MqttClient.builder().serverUri(proxy.tcpUri()).clientId("pub")
                .version(MqttVersion.MQTT_5).topicAliasMaximum(10).cleanStart(false)
                .connectProperties(Properties.builder().put(PropertyId.SESSION_EXPIRY_INTERVAL, 300L).build())
                .automaticReconnect(Duration.ofMillis(100), Duration.ofMillis(500)).build());
        pub.connect().join();
        pub.publish("t/a", "0:t/a", 1, false).join();
        assertThat(topics(in, 1)).containsExactly("t/a");

        // the next one goes out as an alias only, and is lost on the way: it stays in flight
        proxy.hold(true);
        CompletableFuture<Void> inFlight = pub.publish("t/a", "1:t/a", 1, false);
        await().atMost(WAIT).until(() -> proxy.publishes(0).size() == 2);
        assertThat(proxy.publishes(0).get(1).topic()).isEmpty();
        proxy.hold(false);
        proxy.dropAll();

        inFlight.get(WAIT.toSeconds(), TimeUnit.SECONDS); // resent on the resumed session and acknowledged
        MqttMessage got = in.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(got).isNotNull();
        assertThat(got.topic()).isEqualTo("t/a");
        assertThat(got.payloadAsString()).isEqualTo("1:t/a");
        Packet.Publish resent = proxy.publishes(1).get(0);
        assertThat(resent.dup()).as("a resend of the in-flight message [MQTT-4.4.0-1]").isTrue();
        assertThat(resent.topic()).as("its full topic, not the old connection's alias").isEqualTo("t/a");
    }

    @Test
    void theApplicationCannotSetItsOwnAliasWhileTheClientAssignsThem() throws Exception {
        MosquittoBroker m = mosquitto();
        MqttClient pub = keep(MqttClient.builder().serverUri(m.tcpUri()).clientId("pub")
                .version(MqttVersion.MQTT_5).topicAliasMaximum(10).build());
        pub.connect().join();
        MqttMessage own = MqttMessage.of("t/a", "x".getBytes(StandardCharsets.UTF_8), 0, false,
                Properties.builder().put(PropertyId.TOPIC_ALIAS, 1).build());
        assertThatThrownBy(() -> pub.publish(own).join()).hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Topic Alias");
    }
}
