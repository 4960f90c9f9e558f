package io.tern.codec;

import java.util.EnumSet;
import java.util.Set;

import static io.tern.codec.PacketType.*;

/**
 * The 27 MQTT 5 properties (spec 2.2.2.2), with their wire type and the packets that may carry them.
 * {@link #WILL} stands for the Will Properties of a CONNECT, which are not a packet of their own.
 */
public enum PropertyId {
    PAYLOAD_FORMAT_INDICATOR(0x01, Type.BYTE, true, PUBLISH),
    MESSAGE_EXPIRY_INTERVAL(0x02, Type.FOUR_BYTE, true, PUBLISH),
    CONTENT_TYPE(0x03, Type.UTF8, true, PUBLISH),
    RESPONSE_TOPIC(0x08, Type.UTF8, true, PUBLISH),
    CORRELATION_DATA(0x09, Type.BINARY, true, PUBLISH),
    SUBSCRIPTION_IDENTIFIER(0x0B, Type.VARIABLE_INT, false, PUBLISH, SUBSCRIBE),
    SESSION_EXPIRY_INTERVAL(0x11, Type.FOUR_BYTE, false, CONNECT, CONNACK, DISCONNECT),
    ASSIGNED_CLIENT_IDENTIFIER(0x12, Type.UTF8, false, CONNACK),
    SERVER_KEEP_ALIVE(0x13, Type.TWO_BYTE, false, CONNACK),
    AUTHENTICATION_METHOD(0x15, Type.UTF8, false, CONNECT, CONNACK, AUTH),
    AUTHENTICATION_DATA(0x16, Type.BINARY, false, CONNECT, CONNACK, AUTH),
    REQUEST_PROBLEM_INFORMATION(0x17, Type.BYTE, false, CONNECT),
    WILL_DELAY_INTERVAL(0x18, Type.FOUR_BYTE, true),
    REQUEST_RESPONSE_INFORMATION(0x19, Type.BYTE, false, CONNECT),
    RESPONSE_INFORMATION(0x1A, Type.UTF8, false, CONNACK),
    SERVER_REFERENCE(0x1C, Type.UTF8, false, CONNACK, DISCONNECT),
    REASON_STRING(0x1F, Type.UTF8, false, CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK,
            DISCONNECT, AUTH),
    RECEIVE_MAXIMUM(0x21, Type.TWO_BYTE, false, CONNECT, CONNACK),
    TOPIC_ALIAS_MAXIMUM(0x22, Type.TWO_BYTE, false, CONNECT, CONNACK),
    TOPIC_ALIAS(0x23, Type.TWO_BYTE, false, PUBLISH),
    MAXIMUM_QOS(0x24, Type.BYTE, false, CONNACK),
    RETAIN_AVAILABLE(0x25, Type.BYTE, false, CONNACK),
    USER_PROPERTY(0x26, Type.UTF8_PAIR, true, CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP,
            SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH),
    MAXIMUM_PACKET_SIZE(0x27, Type.FOUR_BYTE, false, CONNECT, CONNACK),
    WILDCARD_SUBSCRIPTION_AVAILABLE(0x28, Type.BYTE, false, CONNACK),
    SUBSCRIPTION_IDENTIFIER_AVAILABLE(0x29, Type.BYTE, false, CONNACK),
    SHARED_SUBSCRIPTION_AVAILABLE(0x2A, Type.BYTE, false, CONNACK);

    /** Wire encodings of property values (spec 1.5). */
    public enum Type { BYTE, TWO_BYTE, FOUR_BYTE, VARIABLE_INT, UTF8, BINARY, UTF8_PAIR }

    /** The highest property identifier; ids are small enough to index an array. */
    public static final int MAX_ID = 0x2A;

    private static final PropertyId[] BY_ID = new PropertyId[MAX_ID + 1];

    static {
        for (PropertyId p : values()) {
            BY_ID[p.id] = p;
        }
    }

    private final int id;
    private final Type type;
    private final boolean inWill;
    private final Set<PacketType> packets;

    PropertyId(int id, Type type, boolean inWill, PacketType... packets) {
        this.id = id;
        this.type = type;
        this.inWill = inWill;
        this.packets = packets.length == 0 ? EnumSet.noneOf(PacketType.class) : EnumSet.of(packets[0], packets);
    }

    public int id() { return id; }

    public Type wireType() { return type; }

    /** Whether this property may appear more than once in one property list. */
    public boolean repeatable() { return this == USER_PROPERTY || this == SUBSCRIPTION_IDENTIFIER; }

    /** Whether a packet of this type may carry the property. */
    public boolean allowedIn(PacketType packetType) { return packets.contains(packetType); }

    /** Whether the Will Properties of a CONNECT may carry the property. */
    public boolean allowedInWill() { return inWill; }

    /** The property for an identifier, or null when the identifier is not defined. */
    public static PropertyId of(int id) {
        return id >= 0 && id <= MAX_ID ? BY_ID[id] : null;
    }
}
