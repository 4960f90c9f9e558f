package io.tern.client;

import io.netty.channel.ChannelPipeline;
import io.tern.codec.MqttDecoder;
import io.tern.codec.MqttEncoder;
import io.tern.codec.MqttVersion;

/** Puts tern-codec's client-mode decoder and encoder for one protocol version into a client pipeline. */
final class WireCodec {

    static final String DECODER = "mqtt-decoder";
    static final String ENCODER = "mqtt-encoder";

    private WireCodec() {
    }

    static void install(ChannelPipeline pipeline, MqttVersion version) {
        MqttEncoder.setVersion(pipeline.channel(), version);
        pipeline.addLast(DECODER, new MqttDecoder(version, 0));
        pipeline.addLast(ENCODER, MqttEncoder.Handler.INSTANCE);
    }
}
