package io.tern.codec;

import io.netty.handler.codec.DecoderException;

/**
 * A packet that breaks the specification. The message says what was wrong; {@link #reasonCode()} is the
 * MQTT 5 reason code a server sends in DISCONNECT (0x81 malformed, 0x82 protocol error, 0x95 packet too
 * large, ...). The connection that sent it must be closed.
 */
public class MalformedPacketException extends DecoderException {

    public static final int MALFORMED = 0x81;
    public static final int PROTOCOL_ERROR = 0x82;
    public static final int PACKET_TOO_LARGE = 0x95;
    public static final int TOPIC_NAME_INVALID = 0x90;

    private static final long serialVersionUID = 1L;

    private final int reasonCode;
    /** The type of the packet that broke the rules, when known (set by the decoder). */
    private PacketType packetType;

    public MalformedPacketException(int reasonCode, String message) {
        super(message);
        this.reasonCode = reasonCode;
    }

    public int reasonCode() { return reasonCode; }

    /** The type of the offending packet, or null when it is not known (a reserved type, a broken header). */
    public PacketType packetType() { return packetType; }

    /** Records the offending packet's type, unless one is already recorded; returns this. */
    public MalformedPacketException packetType(PacketType type) {
        if (packetType == null) {
            packetType = type;
        }
        return this;
    }

    /** Stack traces of client mistakes are noise; the message says all. */
    @Override
    public synchronized Throwable fillInStackTrace() { return this; }
}
