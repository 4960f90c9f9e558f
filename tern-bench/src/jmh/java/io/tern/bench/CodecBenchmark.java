package io.tern.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tern.codec.MqttDecoder;
import io.tern.codec.MqttEncoder;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Encoder and decoder throughput for PUBLISH, the packet that dominates a broker's traffic. The decoder
 * runs in client mode inside an {@link EmbeddedChannel} (its real pipeline position) on a buffer holding
 * {@value #BATCH} packets, so the figure is per batch: divide by {@value #BATCH} for packets.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CodecBenchmark {

    static final int BATCH = 100;

    @Param({"64", "1024"})
    int payloadSize;

    @Param({"MQTT_3_1_1", "MQTT_5"})
    MqttVersion version;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private Packet.Publish publish;
    private ByteBuf batch;
    private EmbeddedChannel decoder;

    @Setup(Level.Trial)
    public void setUp() {
        publish = new Packet.Publish("bench/sensors/42/temperature", 1, false, false, 4711,
                new byte[payloadSize], Properties.EMPTY);
        batch = alloc.buffer();
        for (int i = 0; i < BATCH; i++) {
            MqttEncoder.encode(publish, version, batch);
        }
        decoder = new EmbeddedChannel(new MqttDecoder(version, 0));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batch.release();
        decoder.finishAndReleaseAll();
    }

    /** One PUBLISH into a new pooled buffer, as the broker does for each delivery. */
    @Benchmark
    public int encodePublish() {
        ByteBuf b = MqttEncoder.encode(publish, version, alloc);
        int n = b.readableBytes();
        b.release();
        return n;
    }

    /** {@value #BATCH} PUBLISH packets decoded from one read. */
    @Benchmark
    public int decodePublishBatch() {
        decoder.writeInbound(batch.retainedDuplicate());
        int n = 0;
        while (decoder.readInbound() != null) {
            n++;
        }
        return n;
    }
}
