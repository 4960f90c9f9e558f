package io.tern.broker;

import io.tern.codec.Properties;

/**
 * An application message as the broker routes it: immutable and shared by every subscriber it is
 * delivered to, so one publish costs one payload however wide its fan-out.
 *
 * @param topic        the topic name
 * @param payload      the payload; never modified after construction
 * @param qos          the QoS it was published with
 * @param retain       the RETAIN flag it was published with
 * @param properties   MQTT 5 properties to forward (Topic Alias and Subscription Identifier already removed)
 * @param publisherId  client id of the publisher, or null for the broker itself ($SYS, wills keep the client's)
 * @param createdNanos {@link System#nanoTime()} at arrival, for message expiry
 * @param expiryNanos  the nanoTime at which it expires, or {@link Long#MAX_VALUE} when it never does
 */
public record Message(String topic, byte[] payload, int qos, boolean retain, Properties properties,
                      String publisherId, long createdNanos, long expiryNanos) {

    public static Message of(String topic, byte[] payload, int qos, boolean retain) {
        return new Message(topic, payload, qos, retain, Properties.EMPTY, null, System.nanoTime(), Long.MAX_VALUE);
    }

    public boolean expired(long nowNanos) {
        return expiryNanos != Long.MAX_VALUE && nowNanos - expiryNanos >= 0;
    }

    public Message withRetain(boolean r) {
        return r == retain ? this : new Message(topic, payload, qos, r, properties, publisherId, createdNanos, expiryNanos);
    }
}
