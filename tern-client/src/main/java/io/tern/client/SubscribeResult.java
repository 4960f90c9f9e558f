package io.tern.client;

import io.tern.codec.Properties;

import java.util.List;

/**
 * The broker's SUBACK.
 *
 * @param packetId    the packet identifier of the SUBSCRIBE
 * @param reasonCodes one per filter, in order: the granted QoS (0..2) or a failure code (0x80 and above)
 * @param properties  the MQTT 5 SUBACK properties
 */
public record SubscribeResult(int packetId, List<Integer> reasonCodes, Properties properties) {

    /** Whether the broker refused at least one filter. */
    public boolean anyRefused() {
        return reasonCodes.stream().anyMatch(rc -> rc >= 0x80);
    }
}
