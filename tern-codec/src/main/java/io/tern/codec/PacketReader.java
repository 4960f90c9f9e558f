package io.tern.codec;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.tern.codec.MalformedPacketException.MALFORMED;
import static io.tern.codec.MalformedPacketException.PROTOCOL_ERROR;

/**
 * Parses the variable header and payload of one complete packet whose bytes are already buffered. One
 * instance per thread ({@link MqttDecoder}), reused for every packet; nothing of one read is needed by the next.
 * Reads use absolute indexes into the buffer and never move its reader index.
 */
final class PacketReader {

    /** Scratch arrays larger than this are not kept, so idle connections stay small. */
    private static final int KEEP_SCRATCH = 1024;

    private ByteBuf buf;
    private int pos;
    private int end;
    private PacketType type;
    private MqttVersion version;
    private boolean server;
    private boolean bridge;
    private boolean inProperties;
    /**
     * Decoding scratch space, per thread rather than per connection: an idle connection then carries no
     * buffers, and event-loop threads are few.
     */
    private static final class Scratch {
        byte[] bytes = new byte[128];
        char[] chars = new char[128];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Scratch scratch;

    /** Whether the last CONNECT read set the bridge bit (0x80) of a 3.1 / 3.1.1 protocol level. */
    boolean bridge() { return bridge; }

    /**
     * Parses the body {@code [start, end)} of a packet with the given first byte.
     *
     * @param version the session's version; for a CONNECT it is ignored and learnt from the packet
     * @param server  whether the packet came from a client (decoder in server mode)
     */
    private Scratch scratch() {
        Scratch sc = scratch;
        if (sc == null) {
            sc = SCRATCH.get();
            scratch = sc;
        }
        return sc;
    }

    Packet read(ByteBuf buf, int start, int end, int firstByte, MqttVersion version, boolean server) {
        scratch = null; // a connection may be read by another thread next time (e.g. after re-registration)
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.type = PacketType.of(firstByte >>> 4);
        this.version = version;
        this.server = server;
        this.inProperties = false;
        try {
            Packet p = switch (type) {
                case CONNECT -> connect();
                case CONNACK -> connAck();
                case PUBLISH -> publish(firstByte);
                case PUBACK, PUBREC, PUBREL, PUBCOMP -> ack();
                case SUBSCRIBE -> subscribe();
                case SUBACK -> subAck();
                case UNSUBSCRIBE -> unsubscribe();
                case UNSUBACK -> unsubAck();
                case PINGREQ -> Packet.PingReq.INSTANCE;
                case PINGRESP -> Packet.PingResp.INSTANCE;
                case DISCONNECT -> disconnect();
                case AUTH -> auth();
            };
            if (pos != this.end) {
                throw malformed(type + " has " + (this.end - pos) + " unexpected trailing byte(s)");
            }
            return p;
        } finally {
            this.buf = null;
        }
    }

    /** The version the last CONNECT asked for. */
    MqttVersion version() { return version; }

    // ---- packets ----

    private Packet connect() {
        String name = string("protocol name");
        need(1, "protocol level");
        int level = u8();
        int plainLevel = level;
        bridge = false;
        // Mosquitto bridges with try_private (the default) set bit 7 of a 3.1 / 3.1.1 level.
        if ((level & 0x80) != 0 && (level == 0x83 || level == 0x84)) {
            plainLevel = level & 0x7F;
            bridge = true;
        }
        MqttVersion v = MqttVersion.of(name, plainLevel);
        if (v == null) {
            throw new UnsupportedProtocolException(name, level);
        }
        version = v;
        need(1, "connect flags");
        int flags = u8();
        if ((flags & 0x01) != 0) {
            throw malformed("CONNECT reserved flag (bit 0 of the connect flags) is set [MQTT-3.1.2-3]");
        }
        boolean cleanStart = (flags & 0x02) != 0;
        boolean willFlag = (flags & 0x04) != 0;
        int willQos = (flags >>> 3) & 0x03;
        boolean willRetain = (flags & 0x20) != 0;
        boolean passwordFlag = (flags & 0x40) != 0;
        boolean usernameFlag = (flags & 0x80) != 0;
        if (!willFlag && willQos != 0) {
            throw malformed("CONNECT has Will QoS " + willQos + " but the Will Flag is 0 [MQTT-3.1.2-13]");
        }
        if (!willFlag && willRetain) {
            throw malformed("CONNECT has Will Retain set but the Will Flag is 0 [MQTT-3.1.2-15]");
        }
        if (willQos == 3) {
            throw malformed("CONNECT has Will QoS 3 [MQTT-3.1.2-14]");
        }
        if (passwordFlag && !usernameFlag && !v.isV5()) {
            throw malformed("CONNECT has the Password Flag without the User Name Flag, which MQTT "
                    + (v == MqttVersion.MQTT_3_1 ? "3.1" : "3.1.1") + " forbids [MQTT-3.1.2-22]");
        }
        need(2, "keep alive");
        int keepAlive = u16();
        Properties props = Properties.EMPTY;
        if (v.isV5()) {
            props = properties(false);
            if (props.has(PropertyId.AUTHENTICATION_DATA) && !props.has(PropertyId.AUTHENTICATION_METHOD)) {
                throw protocolError("CONNECT has Authentication Data without an Authentication Method");
            }
        }
        String clientId = string("client identifier");
        Packet.Will will = null;
        if (willFlag) {
            Properties willProps = v.isV5() ? properties(true) : Properties.EMPTY;
            String topic = string("will topic");
            String err = Topics.topicNameError(topic);
            if (err != null) {
                throw malformed("CONNECT will " + err);
            }
            byte[] payload = binary("will payload");
            will = new Packet.Will(topic, payload, willQos, willRetain, willProps);
        }
        String username = usernameFlag ? string("user name") : null;
        byte[] password = passwordFlag ? binary("password") : null;
        return new Packet.Connect(v, clientId, cleanStart, keepAlive, username, password, will, props);
    }

    private Packet connAck() {
        need(1, "acknowledge flags");
        int flags = u8();
        need(1, version.isV5() ? "reason code" : "return code");
        int code = u8();
        boolean sessionPresent = false;
        if (version != MqttVersion.MQTT_3_1) {
            // 3.1 had no Session Present; its first byte was an unused "reserved" byte.
            if ((flags & 0xFE) != 0) {
                throw malformed("CONNACK reserved acknowledge flags 0x" + hex(flags & 0xFE) + " are set [MQTT-3.2.2-1]");
            }
            sessionPresent = (flags & 0x01) != 0;
        }
        Properties props = Properties.EMPTY;
        if (version.isV5() && code == 0x01 && pos == end) {
            // a 3.1.1 server's "unacceptable protocol version" to our 5.0 CONNECT (MQTT 5 section 3.1.2.2)
            return new Packet.ConnAck(false, 0x84, Properties.EMPTY);
        }
        if (version.isV5()) {
            checkReason(code, ReasonCodes.CONNACK);
            props = properties(false);
        } else if (code > 5) {
            throw protocolError("CONNACK return code " + code + " is not defined (0..5)");
        }
        if (sessionPresent && code != 0) {
            throw protocolError("CONNACK has Session Present with the non-zero code 0x" + hex(code) + " [MQTT-3.2.2-4]");
        }
        return new Packet.ConnAck(sessionPresent, code, props);
    }

    private Packet publish(int firstByte) {
        int qos = (firstByte >>> 1) & 0x03;
        boolean retain = (firstByte & 0x01) != 0;
        boolean dup = (firstByte & 0x08) != 0;
        String topic = string("topic name");
        int packetId = 0;
        if (qos > 0) {
            packetId = packetId();
        }
        Properties props = Properties.EMPTY;
        if (version.isV5()) {
            props = properties(false);
            if (server && props.has(PropertyId.SUBSCRIPTION_IDENTIFIER)) {
                throw protocolError("PUBLISH from a client carries a Subscription Identifier [MQTT-3.3.4-6]");
            }
        }
        if (topic.isEmpty()) {
            if (!version.isV5()) {
                throw malformed("PUBLISH topic name is empty [MQTT-4.7.3-1]");
            }
            if (!props.has(PropertyId.TOPIC_ALIAS)) {
                throw protocolError("PUBLISH topic name is empty and there is no Topic Alias [MQTT-3.3.2-1]");
            }
        } else if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            throw protocolError("PUBLISH " + Topics.topicNameError(topic) + " [MQTT-3.3.2-2]");
        }
        byte[] payload = new byte[end - pos];
        buf.getBytes(pos, payload);
        pos = end;
        return new Packet.Publish(topic, qos, retain, dup, packetId, payload, props);
    }

    private Packet ack() {
        int packetId = packetId();
        int code = 0;
        Properties props = Properties.EMPTY;
        if (version.isV5()) {
            // Remaining length 2 means Success with no properties; 3 means a reason code without properties.
            if (pos < end) {
                code = u8();
                checkReason(code, type == PacketType.PUBACK || type == PacketType.PUBREC
                        ? ReasonCodes.PUBACK : ReasonCodes.PUBREL);
                if (pos < end) {
                    props = properties(false);
                }
            }
        }
        return switch (type) {
            case PUBACK -> new Packet.PubAck(packetId, code, props);
            case PUBREC -> new Packet.PubRec(packetId, code, props);
            case PUBREL -> new Packet.PubRel(packetId, code, props);
            default -> new Packet.PubComp(packetId, code, props);
        };
    }

    private Packet subscribe() {
        int packetId = packetId();
        Properties props = version.isV5() ? properties(false) : Properties.EMPTY;
        List<Packet.Subscription> subs = new ArrayList<>(4);
        while (pos < end) {
            String filter = string("topic filter");
            need(1, "subscription options");
            int opts = u8();
            int qos = opts & 0x03;
            boolean noLocal = false;
            boolean rap = false;
            int retainHandling = 0;
            if (version.isV5()) {
                if ((opts & 0xC0) != 0) {
                    throw malformed("SUBSCRIBE reserved subscription option bits 0x" + hex(opts & 0xC0)
                            + " are set for '" + filter + "' [MQTT-3.8.3-5]");
                }
                if (qos == 3) {
                    throw protocolError("SUBSCRIBE requests Maximum QoS 3 for '" + filter + "'");
                }
                noLocal = (opts & 0x04) != 0;
                rap = (opts & 0x08) != 0;
                retainHandling = (opts >>> 4) & 0x03;
                if (retainHandling == 3) {
                    throw protocolError("SUBSCRIBE requests Retain Handling 3 for '" + filter + "'");
                }
            } else {
                if ((opts & 0xFC) != 0) {
                    throw malformed("SUBSCRIBE reserved bits 0x" + hex(opts & 0xFC)
                            + " of the requested QoS byte are set for '" + filter + "' [MQTT-3.8.3-4]");
                }
                if (qos == 3) {
                    throw malformed("SUBSCRIBE requests QoS 3 for '" + filter + "' [MQTT-3.8.3-4]");
                }
            }
            checkFilter(filter);
            if (noLocal && Topics.isShared(filter)) {
                throw protocolError("SUBSCRIBE sets No Local on the shared subscription '" + filter + "' [MQTT-3.8.3-4]");
            }
            subs.add(new Packet.Subscription(filter, qos, noLocal, rap, retainHandling));
        }
        if (subs.isEmpty()) {
            throw protocolError("SUBSCRIBE has no topic filters [MQTT-3.8.3-3]");
        }
        return new Packet.Subscribe(packetId, List.copyOf(subs), props);
    }

    private Packet unsubscribe() {
        int packetId = packetId();
        Properties props = version.isV5() ? properties(false) : Properties.EMPTY;
        List<String> filters = new ArrayList<>(4);
        while (pos < end) {
            String filter = string("topic filter");
            checkFilter(filter);
            filters.add(filter);
        }
        if (filters.isEmpty()) {
            throw protocolError("UNSUBSCRIBE has no topic filters [MQTT-3.10.3-2]");
        }
        return new Packet.Unsubscribe(packetId, List.copyOf(filters), props);
    }

    private Packet subAck() {
        int packetId = packetId();
        Properties props = version.isV5() ? properties(false) : Properties.EMPTY;
        List<Integer> codes = new ArrayList<>(end - pos);
        while (pos < end) {
            int code = u8();
            if (version.isV5()) {
                checkReason(code, ReasonCodes.SUBACK);
            } else if (code > 2 && code != 0x80) {
                throw protocolError("SUBACK return code 0x" + hex(code) + " is not one of 0, 1, 2, 0x80");
            }
            codes.add(code);
        }
        if (codes.isEmpty()) {
            throw protocolError("SUBACK has no return codes");
        }
        return new Packet.SubAck(packetId, List.copyOf(codes), props);
    }

    private Packet unsubAck() {
        int packetId = packetId();
        if (!version.isV5()) {
            return new Packet.UnsubAck(packetId, List.of(), Properties.EMPTY);
        }
        Properties props = properties(false);
        List<Integer> codes = new ArrayList<>(end - pos);
        while (pos < end) {
            int code = u8();
            checkReason(code, ReasonCodes.UNSUBACK);
            codes.add(code);
        }
        if (codes.isEmpty()) {
            throw protocolError("UNSUBACK has no reason codes");
        }
        return new Packet.UnsubAck(packetId, List.copyOf(codes), props);
    }

    private Packet disconnect() {
        if (!version.isV5() || pos == end) {
            return Packet.Disconnect.NORMAL;
        }
        int code = u8();
        checkReason(code, ReasonCodes.DISCONNECT);
        Properties props = pos < end ? properties(false) : Properties.EMPTY;
        if (server && props.has(PropertyId.SERVER_REFERENCE)) {
            throw protocolError("DISCONNECT from a client carries a Server Reference");
        }
        return code == 0 && props.isEmpty() ? Packet.Disconnect.NORMAL : new Packet.Disconnect(code, props);
    }

    private Packet auth() {
        if (pos == end) {
            return new Packet.Auth(0, Properties.EMPTY);
        }
        int code = u8();
        checkReason(code, ReasonCodes.AUTH);
        Properties props = pos < end ? properties(false) : Properties.EMPTY;
        return new Packet.Auth(code, props);
    }

    // ---- properties ----

    private Properties properties(boolean will) {
        int len = varInt(will ? "Will property length" : "property length");
        if (len == 0) {
            return Properties.EMPTY;
        }
        if (len > end - pos) {
            throw malformed(where(will) + " length " + len + " exceeds the " + (end - pos) + " bytes left in the packet");
        }
        int outerEnd = end;
        end = pos + len;
        inProperties = true;
        Properties.Builder b = Properties.builder();
        boolean subscriptionId = false;
        while (pos < end) {
            int id = varInt("property identifier");
            PropertyId p = PropertyId.of(id);
            if (p == null) {
                throw malformed(where(will) + " contain the unknown property identifier 0x" + hex(id));
            }
            if (will ? !p.allowedInWill() : !p.allowedIn(type)) {
                throw malformed(where(will) + " contain " + p + ", which " + (will ? "a Will" : type)
                        + " may not carry");
            }
            if (p == PropertyId.SUBSCRIPTION_IDENTIFIER) {
                // Repeats only in a PUBLISH forwarded to a subscriber; a SUBSCRIBE carries at most one.
                if (subscriptionId && type == PacketType.SUBSCRIBE) {
                    throw protocolError(where(will) + " contain SUBSCRIPTION_IDENTIFIER more than once");
                }
                subscriptionId = true;
            } else if (p != PropertyId.USER_PROPERTY && b.isSet(p)) {
                throw protocolError(where(will) + " contain " + p + " more than once");
            }
            String field = p.name();
            switch (p.wireType()) {
                case BYTE -> {
                    need(1, field);
                    int v = u8();
                    // every byte property is 0 or 1, but the Payload Format Indicator: MQTT 5 names 0 and 1
                    // (3.3.2.3.2) without making another value an error, and a server MUST forward it unaltered
                    // [MQTT-3.3.2-4]; the broker decides (check_payload_format)
                    if (v > 1 && p != PropertyId.PAYLOAD_FORMAT_INDICATOR) {
                        throw protocolError(where(will) + ": " + p + " is " + v + ", not 0 or 1");
                    }
                    b.put(p, v);
                }
                case TWO_BYTE -> {
                    need(2, field);
                    int v = u16();
                    if (v == 0 && p != PropertyId.SERVER_KEEP_ALIVE && p != PropertyId.TOPIC_ALIAS_MAXIMUM) {
                        throw protocolError(where(will) + ": " + p + " is 0");
                    }
                    b.put(p, v);
                }
                case FOUR_BYTE -> {
                    need(4, field);
                    long v = buf.getUnsignedInt(pos);
                    pos += 4;
                    if (v == 0 && p == PropertyId.MAXIMUM_PACKET_SIZE) {
                        throw protocolError(where(will) + ": MAXIMUM_PACKET_SIZE is 0");
                    }
                    b.put(p, v);
                }
                case VARIABLE_INT -> {
                    int v = varInt(field);
                    if (v == 0) {
                        throw protocolError(where(will) + ": SUBSCRIPTION_IDENTIFIER is 0");
                    }
                    b.put(p, v);
                }
                case UTF8 -> {
                    String v = string(field);
                    if (p == PropertyId.RESPONSE_TOPIC) {
                        String err = Topics.topicNameError(v);
                        if (err != null) {
                            throw protocolError(where(will) + ": RESPONSE_TOPIC " + err + " [MQTT-3.3.2-14]");
                        }
                    }
                    b.put(p, v);
                }
                case BINARY -> b.put(p, binary(field));
                case UTF8_PAIR -> {
                    String name = string("user property name");
                    String value = string("user property value");
                    b.userProperty(name, value);
                }
            }
        }
        end = outerEnd;
        inProperties = false;
        return b.build();
    }

    private String where(boolean will) {
        return will ? "CONNECT Will properties" : type + " properties";
    }

    // ---- primitives ----

    private int u8() {
        return buf.getUnsignedByte(pos++);
    }

    private int u16() {
        int v = buf.getUnsignedShort(pos);
        pos += 2;
        return v;
    }

    private int packetId() {
        need(2, "packet identifier");
        int id = u16();
        if (id == 0) {
            throw protocolError(type + " has packet identifier 0 [MQTT-2.3.1-1]");
        }
        return id;
    }

    /** A Variable Byte Integer, at most 4 bytes and minimally encoded [MQTT-1.5.5-1]. */
    private int varInt(String field) {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            need(1, field);
            int b = u8();
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw malformed(type + " " + field + " is not minimally encoded [MQTT-1.5.5-1]");
                }
                return value;
            }
        }
        throw malformed(type + " " + field + " is a variable byte integer longer than 4 bytes");
    }

    private byte[] binary(String field) {
        need(2, field + " length");
        int len = u16();
        need(len, field);
        byte[] b = new byte[len];
        buf.getBytes(pos, b);
        pos += len;
        return b;
    }

    /** A UTF-8 Encoded String, strictly validated [MQTT-1.5.4-1][MQTT-1.5.4-2]. */
    private String string(String field) {
        need(2, field + " length");
        int len = u16();
        if (len == 0) {
            return "";
        }
        need(len, field);
        byte[] a;
        int off;
        if (buf.hasArray()) {
            a = buf.array();
            off = buf.arrayOffset() + pos;
        } else {
            Scratch sc = scratch();
            a = len <= sc.bytes.length ? sc.bytes : len <= KEEP_SCRATCH ? (sc.bytes = new byte[KEEP_SCRATCH]) : new byte[len];
            off = 0;
            buf.getBytes(pos, a, 0, len);
        }
        pos += len;
        int i = 0;
        // ASCII fast path: one branch per byte catches both U+0000 and any multi-byte sequence.
        while (i < len && a[off + i] > 0) {
            i++;
        }
        if (i == len) {
            return new String(a, off, len, StandardCharsets.ISO_8859_1);
        }
        return utf8(a, off, len, i, field);
    }

    private String utf8(byte[] a, int off, int len, int asciiPrefix, String field) {
        Scratch sc = scratch();
        char[] c = len <= sc.chars.length ? sc.chars : len <= KEEP_SCRATCH ? (sc.chars = new char[KEEP_SCRATCH]) : new char[len];
        int n = 0;
        for (; n < asciiPrefix; n++) {
            c[n] = (char) a[off + n];
        }
        int i = asciiPrefix;
        int limit = off + len;
        int p = off + i;
        while (p < limit) {
            int b0 = a[p] & 0xFF;
            if (b0 < 0x80) {
                if (b0 == 0) {
                    throw malformed(type + " " + field + " contains U+0000 at byte " + (p - off) + " [MQTT-1.5.4-2]");
                }
                c[n++] = (char) b0;
                p++;
            } else if (b0 >= 0xC2 && b0 <= 0xDF) {
                int b1 = cont(a, p + 1, limit, off, field);
                c[n++] = (char) (((b0 & 0x1F) << 6) | b1);
                p += 2;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                int b1 = cont(a, p + 1, limit, off, field);
                int b2 = cont(a, p + 2, limit, off, field);
                int cp = ((b0 & 0x0F) << 12) | (b1 << 6) | b2;
                if (cp < 0x800) {
                    throw badUtf8(field, p - off, "overlong encoding");
                }
                if (cp >= 0xD800 && cp <= 0xDFFF) {
                    throw malformed(type + " " + field + " contains the UTF-16 surrogate U+"
                            + Integer.toHexString(cp).toUpperCase() + " at byte " + (p - off) + " [MQTT-1.5.4-1]");
                }
                c[n++] = (char) cp;
                p += 3;
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                int b1 = cont(a, p + 1, limit, off, field);
                int b2 = cont(a, p + 2, limit, off, field);
                int b3 = cont(a, p + 3, limit, off, field);
                int cp = ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3;
                if (cp < 0x10000) {
                    throw badUtf8(field, p - off, "overlong encoding");
                }
                if (cp > 0x10FFFF) {
                    throw badUtf8(field, p - off, "code point above U+10FFFF");
                }
                c[n++] = Character.highSurrogate(cp);
                c[n++] = Character.lowSurrogate(cp);
                p += 4;
            } else {
                throw badUtf8(field, p - off, "invalid lead byte 0x" + hex(b0));
            }
        }
        return new String(c, 0, n);
    }

    private int cont(byte[] a, int p, int limit, int off, String field) {
        if (p >= limit) {
            throw badUtf8(field, p - off, "truncated multi-byte sequence");
        }
        int b = a[p] & 0xFF;
        if ((b & 0xC0) != 0x80) {
            throw badUtf8(field, p - off, "byte 0x" + hex(b) + " is not a continuation byte");
        }
        return b & 0x3F;
    }

    private MalformedPacketException badUtf8(String field, int at, String what) {
        return malformed(type + " " + field + " is malformed UTF-8 at byte " + at + ": " + what + " [MQTT-1.5.4-1]");
    }

    private void checkFilter(String filter) {
        String err = Topics.topicFilterError(filter);
        if (err != null) {
            throw malformed(type + " " + err);
        }
    }

    private void checkReason(int code, boolean[] allowed) {
        if (!allowed[code]) {
            throw protocolError(type + " reason code 0x" + hex(code) + " is not defined for " + type);
        }
    }

    private void need(int n, String field) {
        if (end - pos < n) {
            throw malformed(type + (inProperties ? " property list" : "") + " ends inside the " + field + " (" + n + " byte(s) needed, "
                    + (end - pos) + " left)");
        }
    }

    static String hex(int v) {
        return v < 0x10 ? "0" + Integer.toHexString(v).toUpperCase() : Integer.toHexString(v).toUpperCase();
    }

    private static MalformedPacketException malformed(String msg) {
        return new MalformedPacketException(MALFORMED, msg);
    }

    private static MalformedPacketException protocolError(String msg) {
        return new MalformedPacketException(PROTOCOL_ERROR, msg);
    }
}
