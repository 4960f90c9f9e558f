package io.tern.codec;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random corruptions of valid packets (fixed seed, bounded count): the decoder either returns packets or
 * raises one {@link MalformedPacketException}, never another exception; whatever it accepts re-encodes and
 * decodes to the same record.
 */
class MutationTest {

    private static final int MUTATIONS_PER_PACKET = 300;

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void corruptedClientPacketsFailCleanly(MqttVersion v) {
        List<byte[]> valid = new ArrayList<>();
        for (Packet.Connect c : Samples.connects(v)) {
            valid.add(Wire.encode(c, v));
        }
        for (Packet p : Samples.fromClient(v)) {
            valid.add(Wire.concat(Wire.connect(v), Wire.encode(p, v)));
        }
        run(v, valid, true);
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void corruptedServerPacketsFailCleanly(MqttVersion v) {
        List<byte[]> valid = new ArrayList<>();
        for (Packet p : Samples.fromServer(v)) {
            valid.add(Wire.encode(p, v));
        }
        run(v, valid, false);
    }

    private static void run(MqttVersion v, List<byte[]> valid, boolean server) {
        Random rnd = new Random(20_240_601L + v.ordinal() * 31L + (server ? 1 : 0));
        int accepted = 0;
        int rejected = 0;
        for (byte[] original : valid) {
            for (int i = 0; i < MUTATIONS_PER_PACKET; i++) {
                byte[] m = mutate(original, rnd);
                MqttDecoder d = server ? new MqttDecoder(0) : new MqttDecoder(v, 0);
                EmbeddedChannel ch = new EmbeddedChannel(d);
                try {
                    ch.writeInbound(Unpooled.wrappedBuffer(m));
                    for (Packet p : Wire.drain(ch)) {
                        MqttVersion pv = d.version() == null ? v : d.version();
                        checkReencodes(p, pv, server);
                    }
                    accepted++;
                } catch (MalformedPacketException e) {
                    assertThat(e.getMessage()).isNotBlank();
                    assertThat(e.reasonCode()).isIn(0x81, 0x82, 0x84, 0x95);
                    rejected++;
                } catch (Throwable t) {
                    throw new AssertionError("unexpected " + t + " for " + Wire.hex(m), t);
                } finally {
                    ch.finishAndReleaseAll();
                }
            }
        }
        // The corpus must exercise both outcomes, or the test proves nothing.
        assertThat(accepted).isPositive();
        assertThat(rejected).isPositive();
    }

    private static void checkReencodes(Packet p, MqttVersion v, boolean server) {
        byte[] again = Wire.encode(p, v);
        List<Packet> back;
        if (p instanceof Packet.Connect) {
            back = Wire.decode(new MqttDecoder(0), again);
        } else if (server) {
            back = Wire.fromClient(v, again);
        } else {
            back = Wire.decode(new MqttDecoder(v, 0), again);
        }
        assertThat(back).singleElement().usingRecursiveComparison().isEqualTo(p);
    }

    private static byte[] mutate(byte[] in, Random rnd) {
        byte[] b = in.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            case 1 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
            case 2 -> {
                for (int k = 0; k < 3; k++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
            }
            case 3 -> b = Arrays.copyOf(b, Math.max(1, b.length - 1 - rnd.nextInt(Math.max(1, b.length / 2))));
            default -> {
                b = Arrays.copyOf(b, b.length + 1 + rnd.nextInt(8));
                for (int k = in.length; k < b.length; k++) {
                    b[k] = (byte) rnd.nextInt(256);
                }
            }
        }
        return b;
    }
}
