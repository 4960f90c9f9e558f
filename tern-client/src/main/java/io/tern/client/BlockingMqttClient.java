package io.tern.client;

import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The calls of an {@link MqttClient}, each waiting for its result. Failures are thrown as they are
 * ({@link MqttClientException}, {@link ConnectionRefusedException}, {@link IllegalArgumentException}); an
 * interrupt while waiting throws {@link MqttClientException} with the thread's interrupt flag set.
 */
public final class BlockingMqttClient implements AutoCloseable {

    private final MqttClient client;

    BlockingMqttClient(MqttClient client) {
        this.client = client;
    }

    /** The asynchronous client underneath. */
    public MqttClient async() {
        return client;
    }

    public ConnectResult connect() {
        return await(client.connect());
    }

    public void publish(String topic, byte[] payload, int qos, boolean retain) {
        await(client.publish(topic, payload, qos, retain));
    }

    public void publish(MqttMessage message) {
        await(client.publish(message));
    }

    public SubscribeResult subscribe(String filter, int qos, MessageHandler handler) {
        return await(client.subscribe(filter, qos, handler));
    }

    public SubscribeResult subscribe(List<Packet.Subscription> subscriptions, Properties properties,
                                     MessageHandler handler) {
        return await(client.subscribe(subscriptions, properties, handler));
    }

    public UnsubscribeResult unsubscribe(String... filters) {
        return await(client.unsubscribe(filters));
    }

    public void disconnect() {
        await(client.disconnect());
    }

    public boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public void close() {
        client.close();
    }

    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MqttClientException("interrupted while waiting", e);
        } catch (CancellationException e) {
            throw new MqttClientException("operation cancelled", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new MqttClientException(c.getMessage(), c);
        }
    }
}
