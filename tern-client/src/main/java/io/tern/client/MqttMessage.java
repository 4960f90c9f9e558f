package io.tern.client;

import io.tern.codec.Properties;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An application message, as published or as received.
 *
 * <p>For a received message {@code packetId} is the broker's packet identifier (0 at QoS 0) and {@code dup} the
 * DUP flag; both are ignored when publishing. {@code properties} holds the MQTT 5 publish properties
 * (content type, response topic, user properties, ...) and is {@link Properties#EMPTY} for 3.1 / 3.1.1.
 *
 * @param topic      the topic name (no wildcards)
 * @param payload    the payload; never null, may be empty
 * @param qos        0, 1 or 2
 * @param retain     the RETAIN flag
 * @param dup        the DUP flag of a received message
 * @param packetId   the packet identifier of a received message
 * @param properties MQTT 5 publish properties
 */
public record MqttMessage(String topic, byte[] payload, int qos, boolean retain, boolean dup, int packetId,
                          Properties properties) {

    public MqttMessage {
        Objects.requireNonNull(topic, "topic");
        payload = payload == null ? new byte[0] : payload;
        properties = properties == null ? Properties.EMPTY : properties;
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("QoS must be 0, 1 or 2, not " + qos);
        }
    }

    /** A message to publish without MQTT 5 properties. */
    public static MqttMessage of(String topic, byte[] payload, int qos, boolean retain) {
        return new MqttMessage(topic, payload, qos, retain, false, 0, Properties.EMPTY);
    }

    /** A message to publish with MQTT 5 properties (ignored on 3.1 / 3.1.1 connections). */
    public static MqttMessage of(String topic, byte[] payload, int qos, boolean retain, Properties properties) {
        return new MqttMessage(topic, payload, qos, retain, false, 0, properties);
    }

    /** The payload decoded as UTF-8. */
    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "MqttMessage[topic=" + topic + ", qos=" + qos + ", retain=" + retain + ", " + payload.length
                + " bytes]";
    }
}
