package io.tern.broker;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Broker semantics of MQTT 3.1.1 driven by Eclipse Paho's v3 client. */
class PahoV3Test {

    private TestBroker broker;
    private final List<MqttClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() {
        for (MqttClient c : clients) {
            try {
                if (c.isConnected()) {
                    c.disconnectForcibly(100, 100);
                }
                c.close(true);
            } catch (MqttException e) {
                // already gone
            }
        }
        broker.close();
    }

    /** A received message with the flags the broker sent. */
    record Got(String topic, String payload, int qos, boolean retained, boolean dup) {
    }

    private MqttClient client(String id, boolean clean, BlockingQueue<Got> inbox) throws MqttException {
        MqttClient c = new MqttClient(broker.tcpUri(), id, new MemoryPersistence());
        clients.add(c);
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                if (inbox != null) {
                    inbox.add(new Got(topic, new String(m.getPayload(), StandardCharsets.UTF_8), m.getQos(),
                            m.isRetained(), m.isDuplicate()));
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setKeepAliveInterval(30);
        // Paho counts a QoS 2 flow as in progress a moment after its PUBCOMP completed the blocking
        // publish; against a fast broker back-to-back publishes then trip its default limit of 10
        o.setMaxInflight(1000);
        c.connect(o);
        return c;
    }

    private static Got take(BlockingQueue<Got> q) throws InterruptedException {
        Got g = q.poll(5, TimeUnit.SECONDS);
        assertThat(g).as("message within 5 s").isNotNull();
        return g;
    }

    @ParameterizedTest(name = "publish QoS {0} to subscription QoS {1} arrives at QoS {2}")
    @CsvSource({"0,0,0", "0,2,0", "1,0,0", "1,1,1", "1,2,1", "2,1,1", "2,2,2", "2,0,0"})
    void deliveredQosIsMinimumOfPublishAndGranted(int pubQos, int subQos, int expected) throws Exception {
        BlockingQueue<Got> inbox = new LinkedBlockingQueue<>();
        MqttClient sub = client("sub", true, inbox);
        sub.subscribe("home/led", subQos);
        MqttClient pub = client("pub", true, null);
        pub.publish("home/led", "on".getBytes(StandardCharsets.UTF_8), pubQos, false);
        Got g = take(inbox);
        assertThat(g.payload()).isEqualTo("on");
        assertThat(g.qos()).isEqualTo(expected);
        assertThat(g.retained()).isFalse();
    }

    @Test
    void qos2FlowsInOrderBothWays() throws Exception {
        BlockingQueue<Got> inbox = new LinkedBlockingQueue<>();
        MqttClient sub = client("sub2", true, inbox);
        sub.subscribe("seq/#", 2);
        MqttClient pub = client("pub2", true, null);
        for (int i = 0; i < 200; i++) {
            pub.publish("seq/a", Integer.toString(i).getBytes(StandardCharsets.UTF_8), 2, false);
        }
        for (int i = 0; i < 200; i++) {
            assertThat(take(inbox).payload()).isEqualTo(Integer.toString(i));
        }
        assertThat(inbox.poll(200, TimeUnit.MILLISECONDS)).as("exactly once").isNull();
    }

    @Test
    void retainedMessageIsSentOnSubscribeWithRetainFlagAndClearedByEmptyPayload() throws Exception {
        MqttClient pub = client("pub", true, null);
        pub.publish("home/kitchen/temp", "21.5".getBytes(StandardCharsets.UTF_8), 1, true);
        BlockingQueue<Got> inbox = new LinkedBlockingQueue<>();
        MqttClient sub = client("sub", true, inbox);
        sub.subscribe("home/+/temp", 1);
        Got g = take(inbox);
        assertThat(g).isEqualTo(new Got("home/kitchen/temp", "21.5", 1, true, false));
        // a live publish of a retained message reaches existing subscribers with RETAIN=0 [MQTT-3.3.1-9]
        pub.publish("home/kitchen/temp", "22".getBytes(StandardCharsets.UTF_8), 1, true);
        assertThat(take(inbox).retained()).isFalse();
        // [MQTT-3.3.1-10] zero-length retained payload clears
        pub.publish("home/kitchen/temp", new byte[0], 1, true);
        take(inbox);
        BlockingQueue<Got> inbox2 = new LinkedBlockingQueue<>();
        MqttClient late = client("late", true, inbox2);
        late.subscribe("home/#", 1);
        assertThat(inbox2.poll(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(broker.broker.retained().match("home/#")).isEmpty();
    }

    @Test
    void overlappingSubscriptionsDeliverOneMessageAtTheHighestQos() throws Exception {
        BlockingQueue<Got> inbox = new LinkedBlockingQueue<>();
        MqttClient sub = client("overlap", true, inbox);
        sub.subscribe(new String[] {"a/+", "a/#", "a/b"}, new int[] {0, 2, 1});
        MqttClient pub = client("p", true, null);
        pub.publish("a/b", "x".getBytes(StandardCharsets.UTF_8), 2, false);
        Got g = take(inbox);
        assertThat(g.qos()).isEqualTo(2);
        assertThat(inbox.poll(300, TimeUnit.MILLISECONDS)).as("only one copy").isNull();
    }

    @Test
    void persistentSessionQueuesWhileOfflineAndResumesWithSessionPresent() throws Exception {
        BlockingQueue<Got> inbox = new LinkedBlockingQueue<>();
        MqttClient sub = client("offline-sub", false, inbox);
        sub.subscribe("q/#", 1);
        sub.disconnect();
        MqttClient pub = client("p", true, null);
        for (int i = 0; i < 10; i++) {
            pub.publish("q/x", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker.sessions().get("offline-sub").queuedCount() == 10);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        sub.connect(o);
        for (int i = 0; i < 10; i++) {
            assertThat(take(inbox).payload()).isEqualTo("m" + i);
        }
    }

    @Test
    void cleanSessionDiscardsSubscriptionsAtDisconnect() throws Exception {
        MqttClient sub = client("clean", true, null);
        sub.subscribe("c/#", 1);
        assertThat(broker.broker.tree().size()).isEqualTo(1);
        sub.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.tree().size() == 0);
        assertThat(broker.broker.sessions().get("clean")).isNull();
    }

    @Test
    void secondConnectionWithSameClientIdTakesOverTheFirst() throws Exception {
        MqttClient first = client("dup-id", true, null);
        MqttClient second = client("dup-id", true, null);
        await().atMost(Duration.ofSeconds(5)).until(() -> !first.isConnected());
        assertThat(second.isConnected()).isTrue();
    }

    @Test
    void dollarTopicsAreNotMatchedByLeadingWildcards() throws Exception {
        BlockingQueue<Got> all = new LinkedBlockingQueue<>();
        MqttClient wild = client("wild", true, all);
        wild.subscribe("#", 0);
        wild.subscribe("+/broker/version", 0);
        BlockingQueue<Got> sys = new LinkedBlockingQueue<>();
        MqttClient s = client("sys", true, sys);
        s.subscribe("$SYS/broker/version", 0);
        Got g = take(sys);
        assertThat(g.payload()).startsWith("tern version ");
        assertThat(g.retained()).isTrue();
        assertThat(all.poll(300, TimeUnit.MILLISECONDS)).as("[MQTT-4.7.2-1]").isNull();
    }
}
