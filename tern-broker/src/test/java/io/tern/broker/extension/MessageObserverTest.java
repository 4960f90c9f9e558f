package io.tern.broker.extension;

import io.tern.broker.Broker;
import io.tern.broker.Message;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What a {@link MessageObserver} sees of real Paho traffic; after {@link Broker#unobserve} it sees nothing. */
class MessageObserverTest {

    @TempDir
    Path dir;

    /** Records events as "kind client topic qos/detail". */
    static final class Recorder implements MessageObserver {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override public void connected(String clientId, ListenerConfig listener, String version) {
            events.add("connected " + clientId + " " + version);
        }
        @Override public void received(String clientId, String topic, int qos, int bytes) {
            events.add("received " + clientId + " " + topic + " " + qos + "/" + bytes);
        }
        @Override public void publishDenied(String clientId, String username, String topic, int qos) {
            events.add("denied " + clientId + " " + topic + " " + qos);
        }
        @Override public void routed(Message m, int sessions) {
            if (!m.topic().startsWith("$SYS")) {
                events.add("routed " + m.publisherId() + " " + m.topic() + " " + sessions);
            }
        }
        @Override public void dropped(String clientId, Message m, Drop reason) {
            events.add("dropped " + clientId + " " + m.topic() + " " + reason);
        }
        @Override public void delivered(String clientId, Message m, int qos) {
            events.add("delivered " + clientId + " " + m.topic() + " " + qos);
        }
        @Override public void acknowledged(String clientId, Message m, int qos) {
            events.add("acknowledged " + clientId + " " + m.topic() + " " + qos);
        }
    }

    private MqttClient connect(int port, String id, boolean clean) throws Exception {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, id, new MemoryPersistence());
        c.setTimeToWait(10_000);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        c.connect(o);
        return c;
    }

    @Test
    void theObserverSeesTheLifeOfMessages() throws Exception {
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "topic readwrite t/#\n");
        BrokerConfig config = new BrokerConfig().allowAnonymous(true).aclFile(acl.toString());
        config.addListener(new ListenerConfig(0, "127.0.0.1"));
        Recorder r = new Recorder();
        try (Broker b = Broker.builder().config(config).build()) {
            b.observe(r);
            b.start();
            int port = b.port();
            MqttClient away = connect(port, "obs-away", false);
            away.subscribe("t/#", 1);
            away.disconnect();
            away.close();
            MqttClient low = connect(port, "obs-low", true);
            low.subscribe("t/a", 0);
            MqttClient high = connect(port, "obs-high", true);
            high.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() { // Paho acknowledges once it delivered
                @Override public void connectionLost(Throwable cause) { }
                @Override public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) { }
                @Override public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) { }
            });
            high.subscribe("t/b", 1);
            MqttClient pub = connect(port, "obs-pub", true);
            pub.publish("t/a", "one".getBytes(StandardCharsets.UTF_8), 1, false);
            pub.publish("t/b", "two".getBytes(StandardCharsets.UTF_8), 1, false);
            pub.publish("t/c", "q0".getBytes(StandardCharsets.UTF_8), 0, false);
            pub.publish("x/denied", "no".getBytes(StandardCharsets.UTF_8), 1, false);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(r.events).contains(
                    "connected obs-pub 3.1.1",
                    "received obs-pub t/a 1/3",
                    "routed obs-pub t/a 2",
                    "delivered obs-low t/a 0",
                    "delivered obs-high t/b 1",
                    "acknowledged obs-high t/b 1",
                    "dropped obs-away t/c OFFLINE_QOS0",
                    "routed obs-pub t/c 1",
                    "received obs-pub x/denied 1/2",
                    "denied obs-pub x/denied 1"));
            assertThat(r.events).noneMatch(e -> e.startsWith("routed obs-pub x/denied"));

            b.unobserve(r);
            int seen = r.events.size();
            long sent = b.stats().publishSent.sum();
            pub.publish("t/b", "unseen".getBytes(StandardCharsets.UTF_8), 1, false);
            // the unseen publish reached obs-high once the publisher's QoS 1 round trip completed
            await().atMost(Duration.ofSeconds(10)).until(() -> b.stats().publishSent.sum() > sent);
            for (MqttClient c : List.of(low, high, pub)) {
                c.disconnect();
                c.close();
            }
            assertThat(r.events).hasSize(seen);
        }
    }
}
