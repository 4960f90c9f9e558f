package io.tern.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

import static io.tern.codec.MalformedPacketException.MALFORMED;
import static io.tern.codec.MalformedPacketException.PACKET_TOO_LARGE;
import static io.tern.codec.MalformedPacketException.PROTOCOL_ERROR;

/**
 * A strict MQTT 3.1 / 3.1.1 / 5.0 decoder: turns bytes into {@link Packet} records and rejects anything the
 * specification forbids with a {@link MalformedPacketException} whose message says what was wrong and whose
 * {@linkplain MalformedPacketException#reasonCode() reason code} is the one to send in an MQTT 5 DISCONNECT
 * (0x81 malformed, 0x82 protocol error, 0x95 packet too large).
 *
 * <p>In <b>server mode</b> ({@link #MqttDecoder(int)}) the first packet must be CONNECT; its protocol name and
 * level fix {@link #version()} for the rest of the connection, and the decoder also stores it in the channel
 * attribute {@link MqttEncoder#VERSION} so a {@link MqttEncoder.Handler} on the same channel follows. A CONNECT
 * naming a protocol Tern does not speak raises {@link UnsupportedProtocolException} (after consuming the whole
 * packet) so the broker can still answer with a CONNACK. Packets only a server sends are protocol errors.
 *
 * <p>In <b>client mode</b> ({@link #MqttDecoder(MqttVersion, int)}) the version is known up front and packets
 * only a client sends are protocol errors.
 *
 * <p>The size limit is checked as soon as the fixed header is complete, before the body is buffered. After
 * the first error the decoder discards all further input, so each connection raises at most one error; the
 * error travels the pipeline as an exception ({@code exceptionCaught}).
 *
 * <p>Remaining lengths and other Variable Byte Integers must be minimally encoded: MQTT 5 says so explicitly
 * [MQTT-1.5.5-1] and 3.1.1's encoding algorithm only produces minimal forms, so a longer form can only come
 * from a broken or hostile peer and is rejected as malformed in every version.
 *
 * <p>Reason codes, where the specification leaves the choice open, follow Mosquitto: wildcards in a topic name
 * and bad wildcard placement in a filter are malformed (0x81); a packet identifier of 0, an empty SUBSCRIBE /
 * UNSUBSCRIBE, duplicate properties, zero values where a property forbids them, non-0/1 boolean properties and
 * reason codes a packet does not define are protocol errors (0x82); a property a packet may not carry is
 * malformed (0x81). MQTT 3.1 clients may set DUP on a resent PUBREL / SUBSCRIBE / UNSUBSCRIBE (3.1 allowed it);
 * a Mosquitto bridge's level 0x83 / 0x84 ({@code try_private}) is accepted and reported by {@link #bridge()}.
 *
 * <p>Not sharable: it holds per-connection state.
 */
public final class MqttDecoder extends ByteToMessageDecoder {

    /** The largest remaining length a 4-byte Variable Byte Integer can express. */
    public static final int MAX_REMAINING_LENGTH = 268_435_455;

    private final boolean server;
    /**
     * The body parser, one per thread rather than per decoder (an idle connection then carries none): a read
     * completes within {@link #decodeOne} and leaves nothing in it the next packet needs.
     */
    private static final io.netty.util.concurrent.FastThreadLocal<PacketReader> READERS =
            new io.netty.util.concurrent.FastThreadLocal<>() {
                @Override
                protected PacketReader initialValue() {
                    return new PacketReader();
                }
            };
    /** Whether the CONNECT set the bridge bit (see {@link #bridge()}). */
    private boolean bridge;
    private MqttVersion version;
    private int maxPacketSize;
    private boolean failed;
    /** Whether a server-mode decoder stores the version in {@link MqttEncoder#VERSION} (see {@link #withoutVersionAttribute}). */
    private boolean versionAttribute = true;
    /** Bytes this decoder was given, for a connection's byte counts without a handler of its own. */
    private long bytesRead;

    /**
     * A server-side decoder: learns the version from the client's CONNECT.
     *
     * @param maxPacketSize the largest whole packet (fixed header included) accepted, 0 for no limit
     */
    public MqttDecoder(int maxPacketSize) {
        this.server = true;
        setMaxPacketSize(maxPacketSize);
    }

    /**
     * A client-side decoder for packets a server sends.
     *
     * @param version       the version the client asked for in its CONNECT
     * @param maxPacketSize the largest whole packet (fixed header included) accepted, 0 for no limit
     */
    public MqttDecoder(MqttVersion version, int maxPacketSize) {
        if (version == null) {
            throw new IllegalArgumentException("a client-mode decoder needs a version");
        }
        this.server = false;
        this.version = version;
        setMaxPacketSize(maxPacketSize);
    }

    /**
     * Leaves the channel's attributes alone: for a pipeline that takes the version from {@link #version()}
     * instead of from a {@link MqttEncoder.Handler}. An attribute costs ~70 bytes per connection, which a
     * broker holding many idle connections notices.
     */
    public MqttDecoder withoutVersionAttribute() {
        this.versionAttribute = false;
        return this;
    }

    /** How many bytes reached this decoder so far (what the peer sent, below TLS or WebSocket framing). */
    public long bytesRead() { return bytesRead; }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf b) {
            bytesRead += b.readableBytes();
        }
        super.channelRead(ctx, msg);
    }

    /** The connection's protocol version; null in server mode until a CONNECT has been decoded. */
    public MqttVersion version() { return version; }

    /**
     * Whether the CONNECT set the bridge bit (0x80) of a 3.1 / 3.1.1 protocol level, as Mosquitto bridges do
     * with {@code try_private true}. Only meaningful in server mode after the CONNECT.
     */
    public boolean bridge() { return bridge; }

    /** Changes the size limit (whole packet, fixed header included); 0 means the protocol's own maximum. */
    public void setMaxPacketSize(int maxPacketSize) {
        if (maxPacketSize < 0) {
            throw new IllegalArgumentException("maximum packet size must be >= 0, not " + maxPacketSize);
        }
        this.maxPacketSize = maxPacketSize;
    }

    /** The size limit; 0 means the protocol's own maximum. */
    public int maxPacketSize() { return maxPacketSize; }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int at = in.readerIndex();
        try {
            Packet p = decodeOne(in);
            if (p != null) {
                if (p instanceof Packet.Connect && server && versionAttribute) {
                    ctx.channel().attr(MqttEncoder.VERSION).set(version);
                }
                out.add(p);
            }
        } catch (MalformedPacketException e) {
            failed = true;
            if (in.writerIndex() > at) {
                e.packetType(PacketType.of(in.getUnsignedByte(at) >>> 4));
            }
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    /**
     * Decodes one packet from {@code in} if it holds a whole one, advancing the reader index past it;
     * returns null (reader index unchanged) when more bytes are needed. Usable without a channel.
     */
    Packet decodeOne(ByteBuf in) {
        int start = in.readerIndex();
        int limit = in.writerIndex();
        if (start >= limit) {
            return null;
        }
        int first = in.getUnsignedByte(start);
        checkFirstByte(first);
        int remaining = 0;
        int i = start + 1;
        for (int k = 0; ; k++) {
            if (i >= limit) {
                return null;
            }
            int b = in.getUnsignedByte(i++);
            remaining |= (b & 0x7F) << (7 * k);
            if ((b & 0x80) == 0) {
                if (b == 0 && k > 0) {
                    throw new MalformedPacketException(MALFORMED,
                            "remaining length is not minimally encoded [MQTT-1.5.5-1]");
                }
                break;
            }
            if (k == 3) {
                throw new MalformedPacketException(MALFORMED, "remaining length is longer than 4 bytes");
            }
        }
        int headerLength = i - start;
        long packetSize = (long) headerLength + remaining;
        if (maxPacketSize > 0 && packetSize > maxPacketSize) {
            throw new MalformedPacketException(PACKET_TOO_LARGE,
                    "packet of " + packetSize + " bytes exceeds maximum packet size " + maxPacketSize);
        }
        if (limit - i < remaining) {
            return null;
        }
        int end = i + remaining;
        Packet p;
        PacketReader reader = READERS.get();
        try {
            p = reader.read(in, i, end, first, version, server);
        } finally {
            // Consume the packet even when it is rejected (an unsupported CONNECT must not be re-read).
            in.readerIndex(end);
        }
        if (p instanceof Packet.Connect c) {
            version = c.version();
            bridge = reader.bridge();
        }
        return p;
    }

    /** Rejects a bad first byte as soon as it arrives, before any length or body is read. */
    private void checkFirstByte(int first) {
        int t = first >>> 4;
        int flags = first & 0x0F;
        PacketType type = PacketType.of(t);
        if (type == null) {
            throw new MalformedPacketException(MALFORMED, "reserved packet type 0");
        }
        if (server) {
            if (version == null && type != PacketType.CONNECT) {
                throw new MalformedPacketException(PROTOCOL_ERROR,
                        "first packet is " + type + ", not CONNECT [MQTT-3.1.0-1]");
            }
            if (version != null && type == PacketType.CONNECT) {
                throw new MalformedPacketException(PROTOCOL_ERROR, "second CONNECT on one connection [MQTT-3.1.0-2]");
            }
            switch (type) {
                case CONNACK, SUBACK, UNSUBACK, PINGRESP -> throw new MalformedPacketException(PROTOCOL_ERROR,
                        type + " is sent only by a server, but came from a client");
                default -> { }
            }
        } else {
            // PINGREQ passes: libmosquitto and Mosquitto's bridges answer a server's PINGREQ with PINGRESP, and
            // Mosquitto's own bridge tests send one to see that the link still works
            switch (type) {
                case CONNECT, SUBSCRIBE, UNSUBSCRIBE -> throw new MalformedPacketException(PROTOCOL_ERROR,
                        type + " is sent only by a client, but came from the server");
                default -> { }
            }
        }
        if (type == PacketType.AUTH && version != null && !version.isV5()) {
            throw new MalformedPacketException(MALFORMED, "reserved packet type 15 (AUTH exists only in MQTT 5)");
        }
        switch (type) {
            case PUBLISH -> {
                int qos = (flags >>> 1) & 0x03;
                if (qos == 3) {
                    throw new MalformedPacketException(MALFORMED, "PUBLISH has QoS 3 [MQTT-3.3.1-4]");
                }
                if (qos == 0 && (flags & 0x08) != 0) {
                    throw new MalformedPacketException(MALFORMED, "PUBLISH has QoS 0 with DUP set [MQTT-3.3.1-2]");
                }
            }
            case PUBREL, SUBSCRIBE, UNSUBSCRIBE -> {
                // MQTT 3.1 let a resent PUBREL / SUBSCRIBE / UNSUBSCRIBE carry DUP, and its clients still do.
                if (flags != 0x02 && !(version == MqttVersion.MQTT_3_1 && flags == 0x0A)) {
                    throw new MalformedPacketException(MALFORMED, type + " fixed header flags are 0x"
                            + PacketReader.hex(flags) + ", must be 0x02 [MQTT-2.1.3-1]");
                }
            }
            default -> {
                if (flags != 0) {
                    throw new MalformedPacketException(MALFORMED, type + " fixed header flags are 0x"
                            + PacketReader.hex(flags) + ", must be 0 [MQTT-2.1.3-1]");
                }
            }
        }
    }
}
