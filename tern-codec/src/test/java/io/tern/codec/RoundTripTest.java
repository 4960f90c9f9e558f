package io.tern.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static io.tern.codec.Wire.concat;
import static io.tern.codec.Wire.decode;
import static io.tern.codec.Wire.encode;
import static org.assertj.core.api.Assertions.assertThat;

class RoundTripTest {

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void everyConnectRoundTrips(MqttVersion v) {
        for (Packet.Connect c : Samples.connects(v)) {
            MqttDecoder d = new MqttDecoder(0);
            List<Packet> out = decode(d, encode(c, v));
            assertThat(out).singleElement().usingRecursiveComparison().isEqualTo(c);
            assertThat(d.version()).isEqualTo(v);
        }
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void everyClientPacketRoundTrips(MqttVersion v) {
        for (Packet p : Samples.fromClient(v)) {
            assertThat(Wire.oneFromClient(v, encode(p, v))).as(p.toString()).usingRecursiveComparison().isEqualTo(p);
        }
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void everyServerPacketRoundTrips(MqttVersion v) {
        for (Packet p : Samples.fromServer(v)) {
            assertThat(Wire.oneFromServer(v, encode(p, v))).as(p.toString()).usingRecursiveComparison().isEqualTo(p);
        }
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void manyPacketsInOneBuffer(MqttVersion v) {
        List<Packet> sent = Samples.fromClient(v);
        List<byte[]> parts = new ArrayList<>();
        for (Packet p : sent) {
            parts.add(encode(p, v));
        }
        byte[] all = concat(parts.toArray(new byte[0][]));
        assertThat(Wire.fromClient(v, all)).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(sent);
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void oneByteAtATime(MqttVersion v) {
        List<Packet> sent = new ArrayList<>();
        sent.add(Samples.connects(v).get(2));
        sent.addAll(Samples.fromClient(v));
        List<byte[]> parts = new ArrayList<>();
        for (Packet p : sent) {
            parts.add(encode(p, v));
        }
        byte[] all = concat(parts.toArray(new byte[0][]));
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel(new MqttDecoder(0));
        List<Packet> got = new ArrayList<>();
        for (byte b : all) {
            ch.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {b}));
            got.addAll(Wire.drain(ch));
        }
        assertThat(ch.finishAndReleaseAll()).isFalse();
        assertThat(got).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(sent);
    }

    @Test
    void directBuffersDecodeLikeHeapBuffers() {
        MqttVersion v = MqttVersion.MQTT_5;
        byte[] all = concat(Wire.connect(v), encode(Samples.fromClient(v).get(1), v));
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel(new MqttDecoder(0));
        io.netty.buffer.ByteBuf direct = io.netty.buffer.Unpooled.directBuffer(all.length);
        direct.writeBytes(all);
        ch.writeInbound(direct);
        List<Packet> got = Wire.drain(ch);
        ch.finishAndReleaseAll();
        assertThat(got.get(1)).usingRecursiveComparison().isEqualTo(Samples.fromClient(v).get(1));
    }

    @Test
    void recursiveComparisonSeesPropertyAndPayloadDifferences() {
        // Guards every round-trip test above against comparing nothing.
        Packet a = new Packet.PubAck(1, 0, Properties.builder().userProperty("k", "v").build());
        Packet b = new Packet.PubAck(1, 0, Properties.builder().userProperty("k", "w").build());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertThat(a).usingRecursiveComparison().isEqualTo(b))
                .isInstanceOf(AssertionError.class);
        Packet c = new Packet.Publish("t", 0, false, false, 0, new byte[] {1}, Properties.EMPTY);
        Packet d = new Packet.Publish("t", 0, false, false, 0, new byte[] {2}, Properties.EMPTY);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertThat(c).usingRecursiveComparison().isEqualTo(d))
                .isInstanceOf(AssertionError.class);
        Packet e = new Packet.Publish("t", 0, false, false, 0, new byte[0],
                Properties.builder().put(PropertyId.CORRELATION_DATA, new byte[] {1}).build());
        Packet f = new Packet.Publish("t", 0, false, false, 0, new byte[0],
                Properties.builder().put(PropertyId.CORRELATION_DATA, new byte[] {2}).build());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertThat(e).usingRecursiveComparison().isEqualTo(f))
                .isInstanceOf(AssertionError.class);
    }
}
