package io.tern.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Test support: hex vectors, encoding, and decoding through a real channel pipeline. */
final class Wire {

    private Wire() {
    }

    /** Bytes from hex, ignoring spaces: {@code hex("10 0c 00")}. */
    static byte[] hex(String s) {
        return ByteBufUtil.decodeHexDump(s.replaceAll("\\s+", ""));
    }

    static String hex(byte[] b) {
        return ByteBufUtil.hexDump(b);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    /** A packet from its first byte and body parts; the remaining length is computed. */
    static byte[] pkt(int firstByte, byte[]... body) {
        byte[] b = concat(body);
        ByteBuf out = Unpooled.buffer();
        out.writeByte(firstByte);
        MqttEncoder.writeVarInt(out, b.length);
        out.writeBytes(b);
        return ByteBufUtil.getBytes(out);
    }

    /** A length-prefixed UTF-8 string. */
    static byte[] str(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return concat(u16(b.length), b);
    }

    /** A length-prefixed string from raw bytes (for malformed UTF-8). */
    static byte[] rawStr(String hexBytes) {
        byte[] b = hex(hexBytes);
        return concat(u16(b.length), b);
    }

    static byte[] u16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /** An MQTT 5 property list: length prefix plus the given property bytes. */
    static byte[] props(byte[]... ps) {
        byte[] b = concat(ps);
        ByteBuf out = Unpooled.buffer();
        MqttEncoder.writeVarInt(out, b.length);
        out.writeBytes(b);
        return ByteBufUtil.getBytes(out);
    }

    static byte[] encode(Packet p, MqttVersion v) {
        ByteBuf buf = MqttEncoder.encode(p, v, UnpooledByteBufAllocator.DEFAULT);
        try {
            assertThat(buf.readableBytes()).as("exactly sized buffer").isEqualTo(buf.capacity());
            assertThat(buf.readableBytes()).as("encodedLength").isEqualTo(MqttEncoder.encodedLength(p, v));
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** A minimal CONNECT for a version, to put a server-mode decoder into that version. */
    static byte[] connect(MqttVersion v) {
        return encode(new Packet.Connect(v, "c", true, 60, null, null, null, Properties.EMPTY), v);
    }

    /** Decodes with a server-mode decoder: the CONNECT for {@code v} first, then {@code bytes}. */
    static List<Packet> fromClient(MqttVersion v, byte[] bytes) {
        List<Packet> all = decode(new MqttDecoder(0), concat(connect(v), bytes));
        assertThat(all.get(0)).isInstanceOf(Packet.Connect.class);
        return all.subList(1, all.size());
    }

    static Packet oneFromClient(MqttVersion v, byte[] bytes) {
        List<Packet> ps = fromClient(v, bytes);
        assertThat(ps).hasSize(1);
        return ps.get(0);
    }

    static Packet oneFromServer(MqttVersion v, byte[] bytes) {
        List<Packet> ps = decode(new MqttDecoder(v, 0), bytes);
        assertThat(ps).hasSize(1);
        return ps.get(0);
    }

    /** Feeds all bytes in one buffer and returns every packet, failing on any error. */
    static List<Packet> decode(MqttDecoder decoder, byte[] bytes) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        List<Packet> out = drain(ch);
        ch.finishAndReleaseAll();
        return out;
    }

    static List<Packet> drain(EmbeddedChannel ch) {
        List<Packet> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add((Packet) o);
        }
        return out;
    }

    /** The error a server-mode decoder raises on the CONNECT for {@code v} followed by {@code bytes}. */
    static MalformedPacketException errorFromClient(MqttVersion v, byte[] bytes) {
        return error(new MqttDecoder(0), concat(connect(v), bytes));
    }

    static MalformedPacketException errorFromServer(MqttVersion v, byte[] bytes) {
        return error(new MqttDecoder(v, 0), bytes);
    }

    static MalformedPacketException error(MqttDecoder decoder, byte[] bytes) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        MalformedPacketException e = catchThrowableOfType(MalformedPacketException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(bytes)));
        assertThat(e).as("decoder error for " + hex(bytes)).isNotNull();
        drain(ch);
        // Whatever follows is discarded: the error is raised exactly once and nothing more is decoded.
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xC0, 0, (byte) 0xE0, 0}));
        ch.checkException();
        assertThat(drain(ch)).as("packets decoded after the error").isEmpty();
        ch.finishAndReleaseAll();
        return e;
    }
}
