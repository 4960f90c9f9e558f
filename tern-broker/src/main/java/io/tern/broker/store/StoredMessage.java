package io.tern.broker.store;

import io.tern.codec.Properties;

/**
 * A message as stored: like {@link io.tern.broker.Message} but with wall-clock times, which survive a restart.
 *
 * @param topic           topic name
 * @param payload         payload bytes
 * @param qos             QoS it was published with
 * @param retain          RETAIN flag it was published with
 * @param properties      MQTT 5 properties to forward
 * @param publisherId     client id of the publisher, or null
 * @param expiryEpochMillis wall-clock expiry, or {@link Long#MAX_VALUE} for never
 * @param source          who published a retained message, kept for {@code check_retain_source}; null when not
 *                        recorded
 */
public record StoredMessage(String topic, byte[] payload, int qos, boolean retain, Properties properties,
                            String publisherId, long expiryEpochMillis, Source source) {

    /** A message without a recorded source. */
    public StoredMessage(String topic, byte[] payload, int qos, boolean retain, Properties properties,
                         String publisherId, long expiryEpochMillis) {
        this(topic, payload, qos, retain, properties, publisherId, expiryEpochMillis, null);
    }

    /**
     * The publisher of a retained message as Mosquitto persists it for {@code check_retain_source} (its client
     * id is {@link #publisherId()}): the username it connected with and the port of the listener it came in on,
     * which after a restart names the listener whose security decides.
     *
     * @param username     its username, or null
     * @param listenerPort the port of its listener, 0 when it came in on none (an in-process connection)
     */
    public record Source(String username, int listenerPort) {
    }
}
