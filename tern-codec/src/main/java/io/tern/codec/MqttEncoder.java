package io.tern.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;

import java.util.List;

/**
 * Writes {@link Packet} records in the wire format of an MQTT version.
 *
 * <p>For 3.1 / 3.1.1 the MQTT 5 fields are dropped: no properties, no reason codes on PUBACK / PUBREC /
 * PUBREL / PUBCOMP / DISCONNECT, no UNSUBACK codes; SUBACK codes of 0x80 and above become the 3.1.1 failure
 * code 0x80 and CONNACK reason codes are mapped to 3.1.1 return codes ({@link #connectReturnCode(int)}).
 * For MQTT 5 the short forms are used wherever the specification allows them (reason code 0 and no
 * properties are omitted). A CONNECT is always written in the version its record names.
 *
 * <p>The encoder trusts the records: it does not re-validate topics or strings (the decoder did that for
 * anything relayed), but it rejects what cannot be put on the wire at all (strings over 65,535 bytes,
 * packets over 268,435,455 bytes, AUTH before MQTT 5) with an {@link IllegalArgumentException}.
 */
public final class MqttEncoder {

    /**
     * The channel's MQTT version, read by {@link Handler}. A server-mode {@link MqttDecoder} sets it when it
     * decodes the CONNECT; {@link Handler} sets it when it writes a CONNECT.
     */
    public static final AttributeKey<MqttVersion> VERSION = AttributeKey.valueOf(MqttEncoder.class, "version");


    private MqttEncoder() {
    }

    /** Sets the version {@link Handler} uses on this channel (e.g. before answering an unsupported CONNECT). */
    public static void setVersion(Channel channel, MqttVersion version) {
        channel.attr(VERSION).set(version);
    }

    /** Encodes a packet into a new buffer of exactly its size. */
    public static ByteBuf encode(Packet p, MqttVersion v, ByteBufAllocator alloc) {
        v = versionFor(p, v);
        int remaining = remainingLength(p, v);
        int size = 1 + varIntSize(remaining) + remaining;
        ByteBuf buf = alloc.buffer(size, size);
        try {
            write(p, v, buf, remaining);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        return buf;
    }

    /** Appends a packet to {@code out}. */
    public static void encode(Packet p, MqttVersion v, ByteBuf out) {
        v = versionFor(p, v);
        write(p, v, out, remainingLength(p, v));
    }

    /** The size in bytes of the encoded packet, fixed header included (compare with a Maximum Packet Size). */
    public static int encodedLength(Packet p, MqttVersion v) {
        v = versionFor(p, v);
        int remaining = remainingLength(p, v);
        return 1 + varIntSize(remaining) + remaining;
    }

    /**
     * The MQTT 3.1 / 3.1.1 CONNACK return code for a code that may be an MQTT 5 reason code: 0..5 are kept,
     * MQTT 5 codes map to their 3.1.1 equivalent, anything else becomes 3 (server unavailable).
     */
    public static int connectReturnCode(int code) {
        if (code <= 5) {
            return code;
        }
        return switch (code) {
            case 0x84 -> 1;                 // unsupported protocol version
            case 0x85 -> 2;                 // client identifier not valid
            case 0x86, 0x8C -> 4;           // bad user name or password, bad authentication method
            case 0x87, 0x8A -> 5;           // not authorized, banned
            default -> 3;                   // server unavailable / busy / anything else
        };
    }

    /** The number of bytes of the UTF-8 form of {@code s}. */
    public static int utf8Length(String s) {
        return ByteBufUtil.utf8Bytes(s);
    }

    private static MqttVersion versionFor(Packet p, MqttVersion v) {
        if (p instanceof Packet.Connect c && c.version() != null) {
            return c.version();
        }
        if (v == null) {
            throw new IllegalArgumentException("no MQTT version to encode " + p.type() + " with");
        }
        return v;
    }

    // ---- lengths ----

    private static int remainingLength(Packet p, MqttVersion v) {
        boolean v5 = v.isV5();
        long n;
        if (p instanceof Packet.Publish pub) {
            n = string(pub.topic()) + (pub.qos() > 0 ? 2 : 0) + (v5 ? propertiesField(pub.properties()) : 0)
                    + (long) pub.payload().length;
        } else if (p instanceof Packet.PubAck a) {
            n = ackLength(a.reasonCode(), a.properties(), v5);
        } else if (p instanceof Packet.PubRec a) {
            n = ackLength(a.reasonCode(), a.properties(), v5);
        } else if (p instanceof Packet.PubRel a) {
            n = ackLength(a.reasonCode(), a.properties(), v5);
        } else if (p instanceof Packet.PubComp a) {
            n = ackLength(a.reasonCode(), a.properties(), v5);
        } else if (p instanceof Packet.Connect c) {
            n = connectLength(c, v5);
        } else if (p instanceof Packet.ConnAck c) {
            n = 2 + (v5 ? propertiesField(c.properties()) : 0);
        } else if (p instanceof Packet.Subscribe s) {
            if (s.subscriptions().isEmpty()) {
                throw new IllegalArgumentException("SUBSCRIBE needs at least one subscription");
            }
            n = 2 + (v5 ? propertiesField(s.properties()) : 0);
            for (Packet.Subscription sub : s.subscriptions()) {
                n += string(sub.filter()) + 1;
            }
        } else if (p instanceof Packet.SubAck s) {
            n = 2 + (v5 ? propertiesField(s.properties()) : 0) + s.reasonCodes().size();
        } else if (p instanceof Packet.Unsubscribe u) {
            if (u.filters().isEmpty()) {
                throw new IllegalArgumentException("UNSUBSCRIBE needs at least one topic filter");
            }
            n = 2 + (v5 ? propertiesField(u.properties()) : 0);
            for (String f : u.filters()) {
                n += string(f);
            }
        } else if (p instanceof Packet.UnsubAck u) {
            if (v5 && u.reasonCodes().isEmpty()) {
                throw new IllegalArgumentException("an MQTT 5 UNSUBACK needs one reason code per topic filter");
            }
            n = 2 + (v5 ? propertiesField(u.properties()) + u.reasonCodes().size() : 0);
        } else if (p instanceof Packet.PingReq || p instanceof Packet.PingResp) {
            n = 0;
        } else if (p instanceof Packet.Disconnect d) {
            n = v5 ? shortFormLength(d.reasonCode(), d.properties()) : 0;
        } else if (p instanceof Packet.Auth a) {
            if (!v5) {
                throw new IllegalArgumentException("AUTH exists only in MQTT 5, not " + v);
            }
            n = shortFormLength(a.reasonCode(), a.properties());
        } else {
            throw new IllegalArgumentException("unknown packet " + p);
        }
        if (n > MqttDecoder.MAX_REMAINING_LENGTH) {
            throw new IllegalArgumentException(p.type() + " of " + n + " bytes exceeds the MQTT limit of "
                    + MqttDecoder.MAX_REMAINING_LENGTH);
        }
        return (int) n;
    }

    private static long connectLength(Packet.Connect c, boolean v5) {
        long n = string(c.version().protocolName()) + 1 + 1 + 2;
        if (v5) {
            n += propertiesField(c.properties());
        }
        n += string(c.clientId());
        Packet.Will w = c.will();
        if (w != null) {
            if (v5) {
                n += propertiesField(w.properties());
            }
            n += string(w.topic()) + binary(w.payload());
        }
        if (c.username() != null) {
            n += string(c.username());
        }
        if (c.password() != null) {
            n += binary(c.password());
        }
        return n;
    }

    private static int ackLength(int reasonCode, Properties props, boolean v5) {
        if (!v5) {
            return 2;
        }
        if (props.isEmpty()) {
            return reasonCode == 0 ? 2 : 3;
        }
        return 3 + propertiesField(props);
    }

    private static int shortFormLength(int reasonCode, Properties props) {
        if (props.isEmpty()) {
            return reasonCode == 0 ? 0 : 1;
        }
        return 1 + propertiesField(props);
    }

    private static int string(String s) {
        int n = utf8Length(s);
        if (n > 65_535) {
            throw new IllegalArgumentException("string of " + n + " UTF-8 bytes exceeds the MQTT limit of 65,535");
        }
        return 2 + n;
    }

    private static int binary(byte[] b) {
        if (b.length > 65_535) {
            throw new IllegalArgumentException("binary field of " + b.length + " bytes exceeds the MQTT limit of 65,535");
        }
        return 2 + b.length;
    }

    /** Property Length field plus the properties. */
    private static int propertiesField(Properties props) {
        int len = propertiesLength(props);
        return varIntSize(len) + len;
    }

    private static int propertiesLength(Properties props) {
        if (props == Properties.EMPTY) {
            return 0;
        }
        int n = 0;
        for (int i = 0, size = props.size(); i < size; i++) {
            PropertyId id = props.idAt(i);
            if (id == PropertyId.USER_PROPERTY || id == PropertyId.SUBSCRIPTION_IDENTIFIER) {
                continue; // counted below
            }
            Object v = props.get(id);
            n += 1 + switch (id.wireType()) {
                case BYTE -> 1;
                case TWO_BYTE -> 2;
                case FOUR_BYTE -> 4;
                case VARIABLE_INT -> varIntSize((Integer) v);
                case UTF8 -> string((String) v);
                case BINARY -> binary((byte[]) v);
                case UTF8_PAIR -> 0;
            };
        }
        for (Integer sid : props.subscriptionIdentifiers()) {
            n += 1 + varIntSize(sid);
        }
        for (UserProperty u : props.userProperties()) {
            n += 1 + string(u.name()) + string(u.value());
        }
        return n;
    }

    static int varIntSize(int v) {
        return v < 128 ? 1 : v < 16_384 ? 2 : v < 2_097_152 ? 3 : 4;
    }

    // ---- writing ----

    private static void write(Packet p, MqttVersion v, ByteBuf out, int remaining) {
        boolean v5 = v.isV5();
        if (p instanceof Packet.Publish pub) {
            out.writeByte(0x30 | (pub.dup() ? 0x08 : 0) | (pub.qos() << 1) | (pub.retain() ? 1 : 0));
            writeVarInt(out, remaining);
            writeString(out, pub.topic());
            if (pub.qos() > 0) {
                out.writeShort(pub.packetId());
            }
            if (v5) {
                writeProperties(out, pub.properties());
            }
            out.writeBytes(pub.payload());
        } else if (p instanceof Packet.PubAck a) {
            writeAck(out, 0x40, a.packetId(), a.reasonCode(), a.properties(), v5, remaining);
        } else if (p instanceof Packet.PubRec a) {
            writeAck(out, 0x50, a.packetId(), a.reasonCode(), a.properties(), v5, remaining);
        } else if (p instanceof Packet.PubRel a) {
            writeAck(out, 0x62, a.packetId(), a.reasonCode(), a.properties(), v5, remaining);
        } else if (p instanceof Packet.PubComp a) {
            writeAck(out, 0x70, a.packetId(), a.reasonCode(), a.properties(), v5, remaining);
        } else if (p instanceof Packet.Connect c) {
            writeConnect(out, c, v5, remaining);
        } else if (p instanceof Packet.ConnAck c) {
            out.writeByte(0x20);
            writeVarInt(out, remaining);
            out.writeByte(c.sessionPresent() && v != MqttVersion.MQTT_3_1 ? 1 : 0);
            if (v5) {
                out.writeByte(c.reasonCode());
                writeProperties(out, c.properties());
            } else {
                out.writeByte(connectReturnCode(c.reasonCode()));
            }
        } else if (p instanceof Packet.Subscribe s) {
            out.writeByte(0x82);
            writeVarInt(out, remaining);
            out.writeShort(s.packetId());
            if (v5) {
                writeProperties(out, s.properties());
            }
            for (Packet.Subscription sub : s.subscriptions()) {
                writeString(out, sub.filter());
                int opts = sub.qos();
                if (v5) {
                    opts |= (sub.noLocal() ? 0x04 : 0) | (sub.retainAsPublished() ? 0x08 : 0) | (sub.retainHandling() << 4);
                }
                out.writeByte(opts);
            }
        } else if (p instanceof Packet.SubAck s) {
            out.writeByte(0x90);
            writeVarInt(out, remaining);
            out.writeShort(s.packetId());
            if (v5) {
                writeProperties(out, s.properties());
            }
            List<Integer> codes = s.reasonCodes();
            for (int i = 0, n = codes.size(); i < n; i++) {
                int code = codes.get(i);
                out.writeByte(v5 || code < 0x80 ? code : 0x80);
            }
        } else if (p instanceof Packet.Unsubscribe u) {
            out.writeByte(0xA2);
            writeVarInt(out, remaining);
            out.writeShort(u.packetId());
            if (v5) {
                writeProperties(out, u.properties());
            }
            for (String f : u.filters()) {
                writeString(out, f);
            }
        } else if (p instanceof Packet.UnsubAck u) {
            out.writeByte(0xB0);
            writeVarInt(out, remaining);
            out.writeShort(u.packetId());
            if (v5) {
                writeProperties(out, u.properties());
                for (Integer code : u.reasonCodes()) {
                    out.writeByte(code);
                }
            }
        } else if (p instanceof Packet.PingReq) {
            out.writeShort(0xC000);
        } else if (p instanceof Packet.PingResp) {
            out.writeShort(0xD000);
        } else if (p instanceof Packet.Disconnect d) {
            writeShortForm(out, 0xE0, d.reasonCode(), d.properties(), remaining);
        } else if (p instanceof Packet.Auth a) {
            writeShortForm(out, 0xF0, a.reasonCode(), a.properties(), remaining);
        }
    }

    private static void writeConnect(ByteBuf out, Packet.Connect c, boolean v5, int remaining) {
        out.writeByte(0x10);
        writeVarInt(out, remaining);
        writeString(out, c.version().protocolName());
        out.writeByte(c.version().level());
        Packet.Will w = c.will();
        int flags = (c.cleanStart() ? 0x02 : 0)
                | (w != null ? 0x04 | (w.qos() << 3) | (w.retain() ? 0x20 : 0) : 0)
                | (c.password() != null ? 0x40 : 0)
                | (c.username() != null ? 0x80 : 0);
        out.writeByte(flags);
        out.writeShort(c.keepAlive());
        if (v5) {
            writeProperties(out, c.properties());
        }
        writeString(out, c.clientId());
        if (w != null) {
            if (v5) {
                writeProperties(out, w.properties());
            }
            writeString(out, w.topic());
            writeBinary(out, w.payload());
        }
        if (c.username() != null) {
            writeString(out, c.username());
        }
        if (c.password() != null) {
            writeBinary(out, c.password());
        }
    }

    private static void writeAck(ByteBuf out, int firstByte, int packetId, int reasonCode, Properties props,
                                 boolean v5, int remaining) {
        out.writeByte(firstByte);
        writeVarInt(out, remaining);
        out.writeShort(packetId);
        if (remaining > 2) {
            out.writeByte(reasonCode);
            if (remaining > 3) {
                writeProperties(out, props);
            }
        }
    }

    private static void writeShortForm(ByteBuf out, int firstByte, int reasonCode, Properties props, int remaining) {
        out.writeByte(firstByte);
        writeVarInt(out, remaining);
        if (remaining > 0) {
            out.writeByte(reasonCode);
            if (remaining > 1) {
                writeProperties(out, props);
            }
        }
    }

    private static void writeProperties(ByteBuf out, Properties props) {
        int len = propertiesLength(props);
        writeVarInt(out, len);
        if (len == 0) {
            return;
        }
        // in the order the properties were added: a forwarded message keeps its publisher's order
        int user = 0;
        int sub = 0;
        for (int i = 0, size = props.size(); i < size; i++) {
            PropertyId id = props.idAt(i);
            out.writeByte(id.id());
            if (id == PropertyId.USER_PROPERTY) {
                UserProperty u = props.userProperties().get(user++);
                writeString(out, u.name());
                writeString(out, u.value());
                continue;
            }
            if (id == PropertyId.SUBSCRIPTION_IDENTIFIER) {
                writeVarInt(out, props.subscriptionIdentifiers().get(sub++));
                continue;
            }
            Object v = props.get(id);
            switch (id.wireType()) {
                case BYTE -> out.writeByte((Integer) v);
                case TWO_BYTE -> out.writeShort((Integer) v);
                case FOUR_BYTE -> out.writeInt((int) (long) (Long) v);
                case VARIABLE_INT -> writeVarInt(out, (Integer) v);
                case UTF8 -> writeString(out, (String) v);
                case BINARY -> writeBinary(out, (byte[]) v);
                case UTF8_PAIR -> { }
            }
        }
    }

    private static void writeString(ByteBuf out, String s) {
        int n = utf8Length(s);
        out.writeShort(n);
        ByteBufUtil.reserveAndWriteUtf8(out, s, n);
    }

    private static void writeBinary(ByteBuf out, byte[] b) {
        out.writeShort(b.length);
        out.writeBytes(b);
    }

    static void writeVarInt(ByteBuf out, int v) {
        do {
            int b = v & 0x7F;
            v >>>= 7;
            out.writeByte(v > 0 ? b | 0x80 : b);
        } while (v > 0);
    }

    /**
     * A sharable outbound handler that encodes {@link Packet}s with the channel's {@link #VERSION} and passes
     * anything else through. Writing a CONNECT sets the channel's version to the CONNECT's.
     */
    @ChannelHandler.Sharable
    public static final class Handler extends ChannelOutboundHandlerAdapter {

        /** The one instance every pipeline can share. */
        public static final Handler INSTANCE = new Handler();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (!(msg instanceof Packet p)) {
                ctx.write(msg, promise);
                return;
            }
            ByteBuf buf;
            try {
                MqttVersion v;
                if (p instanceof Packet.Connect c) {
                    v = c.version();
                    ctx.channel().attr(VERSION).set(v);
                } else {
                    v = ctx.channel().attr(VERSION).get();
                    if (v == null) {
                        throw new IllegalStateException("cannot encode " + p.type()
                                + ": the channel has no MQTT version yet (MqttEncoder.setVersion)");
                    }
                }
                buf = encode(p, v, ctx.alloc());
            } catch (RuntimeException e) {
                promise.setFailure(e);
                return;
            }
            ctx.write(buf, promise);
        }
    }
}
