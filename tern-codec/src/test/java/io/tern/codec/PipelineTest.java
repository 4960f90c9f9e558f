package io.tern.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Decoder and {@link MqttEncoder.Handler} together in a channel, as the broker and client use them. */
class PipelineTest {

    private static byte[] outbound(EmbeddedChannel ch) {
        ByteBuf b = ch.readOutbound();
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    @Test
    void serverDecoderSetsTheVersionTheSharedEncoderUses() {
        EmbeddedChannel ch = new EmbeddedChannel(new MqttDecoder(0), MqttEncoder.Handler.INSTANCE);
        ch.writeInbound(Unpooled.wrappedBuffer(Wire.connect(MqttVersion.MQTT_5)));
        assertThat((Object) ch.readInbound()).isInstanceOf(Packet.Connect.class);
        assertThat(ch.attr(MqttEncoder.VERSION).get()).isEqualTo(MqttVersion.MQTT_5);
        ch.writeOutbound(new Packet.ConnAck(false, 0, Properties.EMPTY));
        assertThat(Wire.hex(outbound(ch))).isEqualTo("2003000000"); // MQTT 5 form: property length present

        EmbeddedChannel ch3 = new EmbeddedChannel(new MqttDecoder(0), MqttEncoder.Handler.INSTANCE);
        ch3.writeInbound(Unpooled.wrappedBuffer(Wire.connect(MqttVersion.MQTT_3_1_1)));
        ch3.writeOutbound(new Packet.ConnAck(false, 0, Properties.EMPTY));
        assertThat(Wire.hex(outbound(ch3))).isEqualTo("20020000");
        ch.finishAndReleaseAll();
        ch3.finishAndReleaseAll();
    }

    @Test
    void aDecoderWithoutTheVersionAttributeKeepsTheVersionToItselfAndCountsBytes() {
        MqttDecoder d = new MqttDecoder(0).withoutVersionAttribute();
        EmbeddedChannel ch = new EmbeddedChannel(d);
        byte[] connect = Wire.connect(MqttVersion.MQTT_5);
        ch.writeInbound(Unpooled.wrappedBuffer(connect, 0, 3)); // a CONNECT in two reads
        ch.writeInbound(Unpooled.wrappedBuffer(connect, 3, connect.length - 3));
        assertThat((Object) ch.readInbound()).isInstanceOf(Packet.Connect.class);
        assertThat(d.version()).isEqualTo(MqttVersion.MQTT_5);
        assertThat(ch.hasAttr(MqttEncoder.VERSION)).isFalse(); // no attribute map made for the channel
        assertThat(d.bytesRead()).isEqualTo(connect.length);
        ch.writeInbound(Unpooled.wrappedBuffer(Wire.hex("c000")));
        assertThat(d.bytesRead()).isEqualTo(connect.length + 2L);
        ch.finishAndReleaseAll();
    }

    @Test
    void clientEncoderLearnsTheVersionFromItsConnect() {
        EmbeddedChannel ch = new EmbeddedChannel(MqttEncoder.Handler.INSTANCE);
        ch.writeOutbound(new Packet.Connect(MqttVersion.MQTT_5, "c", true, 30, null, null, null, Properties.EMPTY));
        outbound(ch);
        ch.writeOutbound(new Packet.PubAck(5, 0x10, Properties.EMPTY));
        assertThat(Wire.hex(outbound(ch))).isEqualTo("4003000510");
        ch.finishAndReleaseAll();
    }

    @Test
    void writingWithoutAVersionFailsTheWrite() {
        EmbeddedChannel ch = new EmbeddedChannel(MqttEncoder.Handler.INSTANCE);
        ChannelFuture f = ch.writeAndFlush(Packet.PingResp.INSTANCE);
        assertThat(f.cause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("no MQTT version");
        ch.finishAndReleaseAll();
    }

    @Test
    void brokerAnswersAnUnsupportedConnectAfterSettingTheVersion() {
        EmbeddedChannel ch = new EmbeddedChannel(new MqttDecoder(0), MqttEncoder.Handler.INSTANCE);
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> ch.writeInbound(Unpooled.wrappedBuffer(
                Wire.pkt(0x10, Wire.str("MQTT"), Wire.bytes(7, 2), Wire.u16(0), Wire.str("c")))));
        assertThat(t).isInstanceOf(UnsupportedProtocolException.class);
        MqttEncoder.setVersion(ch, MqttVersion.MQTT_3_1_1);
        ch.writeOutbound(new Packet.ConnAck(false, 0x84, Properties.EMPTY));
        assertThat(Wire.hex(outbound(ch))).isEqualTo("20020001");
        ch.finishAndReleaseAll();
    }

    @Test
    void nonPacketsPassThrough() {
        EmbeddedChannel ch = new EmbeddedChannel(MqttEncoder.Handler.INSTANCE);
        ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {1, 2}));
        assertThat(outbound(ch)).containsExactly(1, 2);
        ch.finishAndReleaseAll();
    }

    @Test
    void encoderRejectsWhatTheWireCannotCarry() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                MqttEncoder.encodedLength(new Packet.Auth(0, Properties.EMPTY), MqttVersion.MQTT_3_1_1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AUTH exists only in MQTT 5");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MqttEncoder.encodedLength(
                new Packet.Publish("a".repeat(70_000), 0, false, false, 0, new byte[0], Properties.EMPTY),
                MqttVersion.MQTT_3_1_1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65,535");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MqttEncoder.encodedLength(
                new Packet.Subscribe(1, List.of(), Properties.EMPTY), MqttVersion.MQTT_3_1_1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encodedLengthMatchesForLargePackets() {
        // 2-, 3- and 4-byte remaining lengths.
        for (int size : new int[] {127, 128, 16_383, 16_384, 2_097_151, 2_097_152}) {
            Packet p = new Packet.Publish("t", 0, false, false, 0, new byte[size], Properties.EMPTY);
            byte[] wire = Wire.encode(p, MqttVersion.MQTT_3_1_1);
            assertThat(wire.length).isEqualTo(MqttEncoder.encodedLength(p, MqttVersion.MQTT_3_1_1));
            Packet.Publish got = (Packet.Publish) Wire.oneFromServer(MqttVersion.MQTT_3_1_1, wire);
            // Compared directly: AssertJ's recursive comparison walks arrays element by element (slow at 2 MB).
            assertThat(got.topic()).isEqualTo("t");
            assertThat(java.util.Arrays.equals(got.payload(), new byte[size])).isTrue();
        }
    }
}
