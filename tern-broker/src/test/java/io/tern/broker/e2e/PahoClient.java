package io.tern.broker.e2e;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.SocketFactory;

/** Eclipse Paho's MQTT 3.1.1 client, with an inbox of received messages ("topic payload"). */
final class PahoClient implements AutoCloseable {

    final MqttClient client;
    private final BlockingQueue<String> inbox = new LinkedBlockingQueue<>();

    private PahoClient(MqttClient client) {
        this.client = client;
    }

    /** Connects (clean session) or throws Paho's exception, whose reason code is the CONNACK's. */
    static PahoClient connect(String uri, String clientId, String username, String password, SocketFactory sockets)
            throws MqttException {
        return connect(uri, clientId, username, password, sockets, true);
    }

    /** Connects with the given clean-session flag; false keeps the session (and its queue) across connections. */
    static PahoClient connect(String uri, String clientId, String username, String password, SocketFactory sockets,
                              boolean clean) throws MqttException {
        MqttClient c = new MqttClient(uri, clientId, new MemoryPersistence());
        c.setTimeToWait(10_000); // every blocking call is bounded
        PahoClient p = new PahoClient(c);
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                p.inbox.add(topic + " " + new String(m.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(clean);
        o.setConnectionTimeout(10);
        o.setKeepAliveInterval(30);
        o.setAutomaticReconnect(false);
        if (username != null) {
            o.setUserName(username);
        }
        if (password != null) {
            o.setPassword(password.toCharArray());
        }
        if (sockets != null) {
            o.setSocketFactory(sockets);
            o.setHttpsHostnameVerificationEnabled(false);
        }
        try {
            c.connect(o);
        } catch (MqttException e) {
            c.close(true);
            throw e;
        }
        return p;
    }

    static PahoClient connect(String uri, String clientId, String username, String password) throws MqttException {
        return connect(uri, clientId, username, password, null);
    }

    /** Subscribes and returns the granted QoS (128 = refused). */
    int subscribe(String filter, int qos) throws MqttException {
        return client.subscribeWithResponse(filter, qos).getGrantedQos()[0];
    }

    /** Publishes and, for QoS 1 and 2, waits for the broker's acknowledgement. */
    void publish(String topic, String payload, int qos) throws MqttException {
        MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        m.setQos(qos);
        client.publish(topic, m);
    }

    /** The next message received ("topic payload"), waiting at most 10 s; fails when none came. */
    String next() throws InterruptedException {
        String m = inbox.poll(10, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no message within 10 s");
        }
        return m;
    }

    /** The next message, or null when none came within {@code wait}. */
    String poll(Duration wait) throws InterruptedException {
        return inbox.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(0);
            }
            client.close(true);
        } catch (MqttException e) {
            // already gone
        }
    }
}
