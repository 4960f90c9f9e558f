package io.tern.client;

import io.tern.broker.config.ListenerConfig;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Topic aliases with the Tern broker in this JVM: outgoing ones within its {@code max_topic_alias} across a
 * restart (seen through a {@link RecordingProxy}), and incoming ones the broker assigns when the client declares
 * a Topic Alias Maximum in its CONNECT.
 */
class TopicAliasTernTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

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

    private static MqttMessage next(LinkedBlockingQueue<MqttMessage> in) throws InterruptedException {
        MqttMessage m = in.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new AssertionError("no message within " + WAIT.toSeconds() + " s");
        }
        return m;
    }

    @Test
    void outgoingAliasesWithinTernsMaximumAndAfreshAfterARestart() throws Exception {
        TernBroker b = keep(TernBroker.start(c -> c.addListener(new ListenerConfig(0, "127.0.0.1").maxTopicAlias(2))));
        RecordingProxy proxy = keep(RecordingProxy.start(b.port()));
        MqttClient pub = keep(MqttClient.builder().serverUri(proxy.tcpUri()).clientId("pub")
                .version(MqttVersion.MQTT_5).topicAliasMaximum(100)
                .automaticReconnect(Duration.ofMillis(100), Duration.ofMillis(500)).build());
        pub.connect().join();
        List<String> sequence = List.of("t/a", "t/b", "t/c", "t/a", "t/c", "t/c", "t/b");
        for (int round = 0; round < 2; round++) {
            LinkedBlockingQueue<MqttMessage> in = new LinkedBlockingQueue<>();
            MqttClient sub = keep(MqttClient.builder().serverUri(b.tcpUri()).clientId("sub" + round)
                    .version(MqttVersion.MQTT_5).build());
            sub.connect().join();
            sub.subscribe("t/#", 1, in::add).join();
            for (int i = 0; i < sequence.size(); i++) {
                pub.publish(sequence.get(i), i + ":" + sequence.get(i), 1, false).get(WAIT.toSeconds(),
                        TimeUnit.SECONDS);
            }
            for (int i = 0; i < sequence.size(); i++) {
                MqttMessage m = next(in);
                assertThat(m.topic()).isEqualTo(sequence.get(i));
                assertThat(m.payloadAsString()).isEqualTo(i + ":" + sequence.get(i));
            }
            int conn = proxy.connections() - 1;
            List<Packet.Publish> sent = proxy.publishes(conn);
            assertThat(sent.get(0).topic()).as("[MQTT-3.3.2-7] a new connection names the topic").isEqualTo("t/a");
            assertThat(sent).filteredOn(p -> p.topic().isEmpty()).as("alias-only PUBLISHes").hasSize(2);
            assertThat(sent).allSatisfy(p -> assertThat(p.properties().intValue(PropertyId.TOPIC_ALIAS, 0))
                    .as("[MQTT-3.3.2-9]").isBetween(1, 2));
            assertThat(proxy.resolvedTopics(conn)).containsExactlyElementsOf(sequence);
            if (round == 0) {
                b.restart();
                await().atMost(WAIT).until(() -> proxy.connections() == 2 && pub.isConnected());
            }
        }
    }

    @Test
    void incomingAliasesTheBrokerAssignsAreResolved() throws Exception {
        TernBroker b = keep(TernBroker.start());
        LinkedBlockingQueue<MqttMessage> in = new LinkedBlockingQueue<>();
        MqttClient sub = keep(MqttClient.builder().serverUri(b.tcpUri()).clientId("sub").version(MqttVersion.MQTT_5)
                .connectProperties(Properties.builder().put(PropertyId.TOPIC_ALIAS_MAXIMUM, 5).build())
                .automaticReconnect(Duration.ofMillis(100), Duration.ofMillis(500)).build());
        sub.connect().join();
        sub.subscribe("t/#", 1, in::add).join();
        MqttClient pub = keep(MqttClient.builder().serverUri(b.tcpUri()).clientId("pub")
                .version(MqttVersion.MQTT_5).build());
        pub.connect().join();
        for (String t : List.of("t/a", "t/b", "t/a")) {
            pub.publish(t, t, 1, false).join();
        }
        List<MqttMessage> got = List.of(next(in), next(in), next(in));
        assertThat(got).extracting(MqttMessage::topic).containsExactly("t/a", "t/b", "t/a");
        // the broker aliased them (the alias stays visible, as mosquitto_sub's %A shows it)
        assertThat(got).extracting(m -> m.properties().intValue(PropertyId.TOPIC_ALIAS, 0)).containsExactly(1, 2, 1);
    }
}
