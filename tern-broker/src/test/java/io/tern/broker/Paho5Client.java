package io.tern.broker;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An Eclipse Paho MQTT 5 client for one test: it records every message and the server's DISCONNECT, and
 * waits for each operation with a bound so a broker that never answers fails the test instead of hanging it.
 */
final class Paho5Client implements MqttCallback {

    static final long WAIT_MS = 5000;

    /** A message as the Paho client handed it to the application. */
    record Got(String topic, MqttMessage message) {
        String payload() {
            return new String(message.getPayload(), StandardCharsets.UTF_8);
        }

        MqttProperties props() {
            return message.getProperties();
        }
    }

    final MqttAsyncClient client;
    final BlockingQueue<Got> inbox = new LinkedBlockingQueue<>();
    final CompletableFuture<MqttDisconnectResponse> disconnected = new CompletableFuture<>();
    /** The CONNECT token of the last successful connect: CONNACK's session present flag and properties. */
    IMqttToken connack;

    Paho5Client(String serverUri, String clientId) throws MqttException {
        this.client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
        client.setCallback(this);
    }

    /** Connects with Paho's defaults changed by {@code tweak}; throws what Paho reports for a refused CONNECT. */
    Paho5Client connect(Consumer<MqttConnectionOptions> tweak) throws MqttException {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setKeepAliveInterval(60);
        o.setAutomaticReconnect(false);
        tweak.accept(o);
        IMqttToken t = client.connect(o);
        t.waitForCompletion(WAIT_MS);
        connack = t;
        return this;
    }

    MqttProperties connackProperties() {
        return connack.getResponseProperties();
    }

    /** Subscribes and returns the SUBACK reason codes. */
    int[] subscribe(MqttProperties props, MqttSubscription... subs) throws MqttException {
        IMqttToken t = client.subscribe(subs, null, null, props == null ? new MqttProperties() : props);
        t.waitForCompletion(WAIT_MS);
        return t.getReasonCodes();
    }

    int[] subscribe(String filter, int qos) throws MqttException {
        return subscribe(null, new MqttSubscription(filter, qos));
    }

    /** Publishes and waits for the flow to complete (at once for QoS 0). */
    IMqttToken publish(String topic, MqttMessage m) throws MqttException {
        IMqttToken t = client.publish(topic, m);
        t.waitForCompletion(WAIT_MS);
        return t;
    }

    IMqttToken publish(String topic, String payload, int qos, boolean retain) throws MqttException {
        return publish(topic, new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), qos, retain, null));
    }

    /** The next message, failing the test if none comes within 5 s. */
    Got take() throws InterruptedException {
        Got g = inbox.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertThat(g).as("a message within %d ms at %s", WAIT_MS, client.getClientId()).isNotNull();
        return g;
    }

    /** A message if one comes within {@code millis}; used to show that nothing (more) arrives. */
    Got poll(long millis) throws InterruptedException {
        return inbox.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** The server's DISCONNECT as Paho reported it. */
    MqttDisconnectResponse awaitDisconnect() throws Exception {
        return disconnected.get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    /** A normal DISCONNECT (reason 0) carrying {@code props}. */
    void disconnect(MqttProperties props) throws MqttException {
        client.disconnect(WAIT_MS, null, null, 0, props).waitForCompletion(WAIT_MS);
    }

    void disconnect() throws MqttException {
        client.disconnect().waitForCompletion(WAIT_MS);
    }

    /** Drops the TCP connection without a DISCONNECT, as a crashed client would (the will is due). */
    void drop() throws MqttException {
        client.disconnectForcibly(0, 100, false);
    }

    /** Test teardown: ends the connection whatever state it is in and frees Paho's threads. */
    void closeQuietly() {
        try {
            if (client.isConnected()) {
                // a normal DISCONNECT lets Paho finish flows still in progress (a late PUBREL would otherwise
                // meet a closed persistence in Paho's receiver thread)
                client.disconnect(200).waitForCompletion(1000);
            }
        } catch (MqttException | RuntimeException e) {
            // already gone
        }
        try {
            if (client.isConnected()) {
                client.disconnectForcibly(0, 100, false);
            }
        } catch (MqttException | RuntimeException e) {
            // already gone
        }
        try {
            client.close(true);
        } catch (MqttException | RuntimeException e) {
            // already closed
        }
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        disconnected.complete(response);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        inbox.add(new Got(topic, message));
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
    }
}
