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
 */
public record StoredMessage(String topic, byte[] payload, int qos, boolean retain, Properties properties,
                            String publisherId, long expiryEpochMillis) {
}
