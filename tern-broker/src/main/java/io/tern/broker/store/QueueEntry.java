package io.tern.broker.store;

/**
 * One message in one session's queue.
 *
 * @param seq             position in the client's queue (increasing)
 * @param messageId       id given to {@link Store#putMessage}
 * @param qos             QoS to deliver with
 * @param retain          RETAIN flag to deliver with
 * @param subscriptionIds MQTT 5 subscription identifiers, or an empty array
 * @param packetId        packet id it was last sent with, 0 when never sent
 * @param released        QoS 2: PUBREC received, PUBREL to (re)send
 */
public record QueueEntry(long seq, long messageId, int qos, boolean retain, int[] subscriptionIds, int packetId,
                         boolean released) {
}
