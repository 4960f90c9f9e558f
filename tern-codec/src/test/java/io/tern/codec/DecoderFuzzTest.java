package io.tern.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Fuzz targets for the decoder, server side (what clients send) and client side (what servers send), in all
 * three protocol versions. Each input is decoded three ways: in one buffer (many packets per buffer), one byte
 * at a time (a split at every byte) and split once where the input says; all three must give the same packets
 * and the same error. Every rejection must be a {@link MalformedPacketException} with a reason; anything else
 * thrown (an index error, an arithmetic error, an out-of-memory) is a finding. Every packet decoded must encode
 * and decode back to itself.
 *
 * <p>The normal test run replays the inputs under {@code src/test/resources/io/tern/codec/DecoderFuzzTestInputs};
 * {@code -Pfuzz} runs a campaign (see the root pom).
 */
class DecoderFuzzTest {

    private static final MqttVersion[] VERSIONS = MqttVersion.values();

    /** Bytes a client sends; most inputs start with a valid CONNECT so the fuzzer reaches the later packets. */
    @FuzzTest(maxDuration = "10s")
    void serverSide(FuzzedDataProvider data) {
        int mode = data.consumeInt(0, VERSIONS.length);
        int maxPacketSize = data.consumeBoolean() ? 0 : data.consumeInt(2, 70_000);
        int split = data.consumeInt(0, 1 << 16);
        byte[] body = data.consumeRemainingAsBytes();
        byte[] input = mode < VERSIONS.length ? concat(connect(VERSIONS[mode]), body) : body;
        check(input, split, () -> new MqttDecoder(maxPacketSize));
    }

    /** Bytes a server sends, to a client of each version. */
    @FuzzTest(maxDuration = "10s")
    void clientSide(FuzzedDataProvider data) {
        MqttVersion v = VERSIONS[data.consumeInt(0, VERSIONS.length - 1)];
        int maxPacketSize = data.consumeBoolean() ? 0 : data.consumeInt(2, 70_000);
        int split = data.consumeInt(0, 1 << 16);
        byte[] input = data.consumeRemainingAsBytes();
        check(input, split, () -> new MqttDecoder(v, maxPacketSize));
    }

    private static void check(byte[] input, int split, java.util.function.Supplier<MqttDecoder> decoders) {
        Outcome whole = decode(decoders.get(), input, input.length);
        Outcome bytewise = decode(decoders.get(), input, 1);
        Outcome once = decode(decoders.get(), input, input.length == 0 ? 1 : 1 + split % input.length);
        if (!whole.equals(bytewise) || !whole.equals(once)) {
            throw new AssertionError("decoding depends on how the bytes are split:\n whole    " + whole
                    + "\n bytewise " + bytewise + "\n split    " + once);
        }
        if (whole.error != null) {
            if (whole.error.getMessage() == null || whole.error.getMessage().isBlank()) {
                throw new AssertionError("rejected without a reason", whole.error);
            }
            int rc = whole.error.reasonCode();
            if (rc < 0x80 || rc > 0xA2) {
                throw new AssertionError("reason code 0x" + Integer.toHexString(rc) + " is not an error code");
            }
        }
        // what was decoded encodes and decodes back to itself (in the decoder's state after CONNECT)
        if (!whole.packets.isEmpty()) {
            byte[] again = concatAll(whole.packets);
            Outcome second = decode(decoders.get(), again, again.length);
            if (second.error != null || !second.packets.equals(whole.packets)) {
                throw new AssertionError("re-encoded packets do not decode to themselves:\n first  " + whole
                        + "\n second " + second);
            }
        }
    }

    /** What a decoder made of the input: each packet re-encoded (hex), then the error if there was one. */
    private record Outcome(List<String> packets, MalformedPacketException error) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome other && packets.equals(other.packets)
                    && Objects.equals(describe(error), describe(other.error));
        }

        @Override
        public int hashCode() { return packets.hashCode(); }

        private static String describe(MalformedPacketException e) {
            return e == null ? null : e.getClass().getSimpleName() + " 0x" + Integer.toHexString(e.reasonCode())
                    + " " + e.getMessage();
        }

        @Override
        public String toString() { return packets + " " + describe(error); }
    }

    private static Outcome decode(MqttDecoder decoder, byte[] input, int chunk) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        List<String> packets = new ArrayList<>();
        MalformedPacketException error = null;
        try {
            for (int i = 0; i < input.length && error == null; i += chunk) {
                try {
                    ch.writeInbound(Unpooled.wrappedBuffer(input, i, Math.min(chunk, input.length - i)));
                } catch (MalformedPacketException e) {
                    error = e;
                }
                Object o;
                while ((o = ch.readInbound()) != null) {
                    Packet p = (Packet) o;
                    MqttVersion v = p instanceof Packet.Connect c ? c.version() : decoder.version();
                    packets.add(ByteBufUtil.hexDump(encode(p, v)));
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        return new Outcome(packets, error);
    }

    private static byte[] encode(Packet p, MqttVersion v) {
        ByteBuf b = MqttEncoder.encode(p, v, UnpooledByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static byte[] connect(MqttVersion v) {
        return encode(new Packet.Connect(v, "c", true, 60, null, null, null, Properties.EMPTY), v);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] concatAll(List<String> hexPackets) {
        StringBuilder sb = new StringBuilder();
        hexPackets.forEach(sb::append);
        return ByteBufUtil.decodeHexDump(sb);
    }
}
