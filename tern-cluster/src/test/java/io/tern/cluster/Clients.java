package io.tern.cluster;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Real third-party clients for the cluster tests, with bounded waits. */
final class Clients {

    private Clients() {
    }

    /** A received message. */
    record Got(String topic, String payload, int qos, boolean retained) {
    }

    /** A Paho MQTT 3.1.1 client that records what it receives. */
    static final class Paho implements MqttCallback, AutoCloseable {
        final MqttClient client;
        final BlockingQueue<Got> inbox = new LinkedBlockingQueue<>();

        Paho(String uri, String clientId, boolean cleanSession) throws Exception {
            client = new MqttClient(uri, clientId, new MemoryPersistence());
            client.setCallback(this);
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(cleanSession);
            o.setConnectionTimeout(15);
            o.setAutomaticReconnect(false);
            // Paho frees an in-flight slot a moment after it completes a synchronous publish: with its default of
            // 10, a tight loop of synchronous QoS 1 publishes can hit "too many publishes in progress"
            o.setMaxInflight(100);
            client.setTimeToWait(15_000);
            client.connect(o);
        }

        Paho subscribe(String filter, int qos) throws Exception {
            client.subscribe(filter, qos);
            return this;
        }

        void publish(String topic, String payload, int qos, boolean retain) throws Exception {
            client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
        }

        Got next() throws InterruptedException {
            return inbox.poll(10, TimeUnit.SECONDS);
        }

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage m) {
            inbox.add(new Got(topic, new String(m.getPayload(), StandardCharsets.UTF_8), m.getQos(), m.isRetained()));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }

        @Override
        public void close() throws Exception {
            if (client.isConnected()) {
                client.disconnect(2000);
            }
            client.close(true);
        }
    }

    /** A HiveMQ MQTT 5 client. */
    static Mqtt5BlockingClient hivemq(TestCluster.Node node, String clientId) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(node.mqttPort()).buildBlocking();
        c.connect();
        return c;
    }

    static Mqtt5BlockingClient.Mqtt5Publishes publishes(Mqtt5BlockingClient c) {
        return c.publishes(MqttGlobalPublishFilter.ALL);
    }

    static void publish(Mqtt5BlockingClient c, String topic, String payload, int qos, boolean retain) {
        c.publishWith().topic(topic).payload(payload.getBytes(StandardCharsets.UTF_8)).qos(MqttQos.fromCode(qos))
                .retain(retain).send();
    }

    static String text(Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }
}
