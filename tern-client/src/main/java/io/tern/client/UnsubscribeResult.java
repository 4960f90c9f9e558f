package io.tern.client;

import io.tern.codec.Properties;

import java.util.List;

/**
 * The broker's UNSUBACK.
 *
 * @param packetId    the packet identifier of the UNSUBSCRIBE
 * @param reasonCodes MQTT 5: one per filter; empty for 3.1 / 3.1.1, whose UNSUBACK carries none
 * @param properties  the MQTT 5 UNSUBACK properties
 */
public record UnsubscribeResult(int packetId, List<Integer> reasonCodes, Properties properties) {
}
