package io.tern.client;

import io.netty.channel.ChannelPipeline;
import io.tern.codec.MqttVersion;

/** Puts tern-codec's decoder and encoder for one protocol version into a client pipeline. */
final class WireCodec {

    static final String DECODER = "mqtt-decoder";
    static final String ENCODER = "mqtt-encoder";

    private WireCodec() {
    }

    static void install(ChannelPipeline pipeline, MqttVersion version) {
        throw new UnsupportedOperationException("tern-codec's MqttDecoder/MqttEncoder are not merged yet");
    }
}
