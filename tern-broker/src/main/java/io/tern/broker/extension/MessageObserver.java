package io.tern.broker.extension;

import io.tern.broker.Message;

/**
 * Sees what happens to messages on their way through the broker: for metrics, traces ("why was my message not
 * delivered?") and live views. Set one with {@link io.tern.broker.Broker#observe(MessageObserver)}; without one
 * the broker pays a null check per event and nothing else.
 *
 * <p>Called on event loops, on the per-message path: implementations must be thread-safe, must not block and
 * should not allocate when they have nothing to record. Client ids are the effective ones.
 */
public interface MessageObserver {

    /** Why a message did not reach a subscriber. */
    enum Drop {
        /** The subscriber's queue was full ({@code max_queued_messages}, {@code max_queued_bytes}). */
        QUEUE_FULL,
        /** QoS 0 to an offline client without {@code queue_qos0_messages}. */
        OFFLINE_QOS0,
        /** Larger than the client's Maximum Packet Size (MQTT 5). */
        TOO_LARGE,
        /** The subscriber's ACL does not let it read the topic. */
        ACL_READ_DENIED
    }

    /** A client's connection was accepted (CONNACK 0) on {@code listener}; {@code version} is "3.1", "3.1.1" or "5.0". */
    default void connected(String clientId, io.tern.broker.config.ListenerConfig listener, String version) {
    }

    /** A client sent a PUBLISH (before the ACL check); {@code bytes} is the payload size. */
    default void received(String clientId, String topic, int qos, int bytes) {
    }

    /** The ACL refused a client's PUBLISH; the message goes nowhere. */
    default void publishDenied(String clientId, String username, String topic, int qos) {
    }

    /** A message was routed (from a client, the broker or an API); {@code sessions} is how many took it, 0 = none. */
    default void routed(Message message, int sessions) {
    }

    /** A message did not reach {@code clientId}. */
    default void dropped(String clientId, Message message, Drop reason) {
    }

    /** A queued message expired before it could be sent to {@code clientId} [MQTT-3.3.2-5]. */
    default void expired(String clientId, Message message) {
    }

    /** A PUBLISH was written to {@code clientId} at {@code qos} (below {@code message.qos()} when downgraded). */
    default void delivered(String clientId, Message message, int qos) {
    }

    /** {@code clientId} completed the acknowledgement of a QoS 1 (PUBACK) or QoS 2 (PUBCOMP) delivery. */
    default void acknowledged(String clientId, Message message, int qos) {
    }
}
