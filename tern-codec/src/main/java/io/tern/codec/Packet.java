package io.tern.codec;

import java.util.List;

/**
 * An MQTT control packet. Every kind is an immutable record, so a {@code switch} over a {@code Packet}
 * sees every case. Fields that only MQTT 5 carries (reason codes on acknowledgements, properties) hold
 * neutral values ({@code 0}, {@link Properties#EMPTY}) for 3.1 / 3.1.1.
 */
public sealed interface Packet {

    PacketType type();

    /** CONNECT. {@code password} and {@code username} are null when absent; {@code will} is null when absent. */
    record Connect(MqttVersion version, String clientId, boolean cleanStart, int keepAlive,
                   String username, byte[] password, Will will, Properties properties) implements Packet {
        public PacketType type() { return PacketType.CONNECT; }
    }

    /** The Will of a CONNECT. */
    record Will(String topic, byte[] payload, int qos, boolean retain, Properties properties) {
    }

    /** CONNACK. {@code reasonCode} is the 3.1.1 return code (0..5) or the MQTT 5 reason code. */
    record ConnAck(boolean sessionPresent, int reasonCode, Properties properties) implements Packet {
        public PacketType type() { return PacketType.CONNACK; }
    }

    /**
     * PUBLISH. {@code packetId} is 0 for QoS 0. In MQTT 5 {@code topic} may be empty when a Topic Alias
     * property names the topic.
     */
    record Publish(String topic, int qos, boolean retain, boolean dup, int packetId, byte[] payload,
                   Properties properties) implements Packet {
        public PacketType type() { return PacketType.PUBLISH; }

        public Publish withPacketId(int id, int newQos, boolean newRetain, boolean newDup) {
            return new Publish(topic, newQos, newRetain, newDup, id, payload, properties);
        }
    }

    /** PUBACK; {@code reasonCode} 0 = success (always 0 for 3.1.1). */
    record PubAck(int packetId, int reasonCode, Properties properties) implements Packet {
        public PacketType type() { return PacketType.PUBACK; }
    }

    /** PUBREC. */
    record PubRec(int packetId, int reasonCode, Properties properties) implements Packet {
        public PacketType type() { return PacketType.PUBREC; }
    }

    /** PUBREL. */
    record PubRel(int packetId, int reasonCode, Properties properties) implements Packet {
        public PacketType type() { return PacketType.PUBREL; }
    }

    /** PUBCOMP. */
    record PubComp(int packetId, int reasonCode, Properties properties) implements Packet {
        public PacketType type() { return PacketType.PUBCOMP; }
    }

    /** One topic filter of a SUBSCRIBE with its options (the MQTT 5 ones are false/0 for 3.1.1). */
    record Subscription(String filter, int qos, boolean noLocal, boolean retainAsPublished, int retainHandling) {
        public Subscription(String filter, int qos) {
            this(filter, qos, false, false, 0);
        }
    }

    /** SUBSCRIBE; never empty. */
    record Subscribe(int packetId, List<Subscription> subscriptions, Properties properties) implements Packet {
        public PacketType type() { return PacketType.SUBSCRIBE; }
    }

    /** SUBACK: one return / reason code per filter of the SUBSCRIBE, in order. */
    record SubAck(int packetId, List<Integer> reasonCodes, Properties properties) implements Packet {
        public PacketType type() { return PacketType.SUBACK; }
    }

    /** UNSUBSCRIBE; never empty. */
    record Unsubscribe(int packetId, List<String> filters, Properties properties) implements Packet {
        public PacketType type() { return PacketType.UNSUBSCRIBE; }
    }

    /** UNSUBACK: reason codes per filter in MQTT 5; empty for 3.1.1, which has none on the wire. */
    record UnsubAck(int packetId, List<Integer> reasonCodes, Properties properties) implements Packet {
        public PacketType type() { return PacketType.UNSUBACK; }
    }

    /** PINGREQ. */
    record PingReq() implements Packet {
        public static final PingReq INSTANCE = new PingReq();
        public PacketType type() { return PacketType.PINGREQ; }
    }

    /** PINGRESP. */
    record PingResp() implements Packet {
        public static final PingResp INSTANCE = new PingResp();
        public PacketType type() { return PacketType.PINGRESP; }
    }

    /** DISCONNECT; {@code reasonCode} 0 = normal (always 0 for 3.1.1). */
    record Disconnect(int reasonCode, Properties properties) implements Packet {
        public static final Disconnect NORMAL = new Disconnect(0, Properties.EMPTY);
        public PacketType type() { return PacketType.DISCONNECT; }
    }

    /** AUTH (MQTT 5 only). */
    record Auth(int reasonCode, Properties properties) implements Packet {
        public PacketType type() { return PacketType.AUTH; }
    }
}
