package io.tern.client;

/**
 * Receives the messages of a subscription (or, as the client's default handler, messages that match no
 * subscription's handler, e.g. those of a resumed session).
 *
 * <p>Handlers run on the client's I/O thread, in the order the broker sent the messages; the acknowledgement
 * of a QoS 1 / 2 message is sent only after its handler returns, so a message whose handler did not finish
 * before a crash is redelivered. A handler must not block: hand long work to an executor.
 */
@FunctionalInterface
public interface MessageHandler {

    /** Called once for each message delivered to this handler. An exception it throws is logged and ignored. */
    void onMessage(MqttMessage message);
}
