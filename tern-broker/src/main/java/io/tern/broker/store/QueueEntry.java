package io.tern.broker.store;

/**
 * One message in one session's queue.
 *
 * @param seq             position in the client's queue (increasing)
 * @param messageId       id given to {@link Store#putMessage} or {@link Store#putMessageAndEnqueue}
 * @param qos             QoS to deliver with
 * @param retain          RETAIN flag to deliver with
 * @param subscriptionIds MQTT 5 subscription identifiers, or an empty array
 * @param packetId        packet id it was last sent with, 0 when never sent
 * @param released        QoS 2: PUBREC received, PUBREL to (re)send
 * @param message         the body when the store keeps it in the entry itself (read back by
 *                        {@link Store#readQueue}), null when it is read with {@link Store#message}
 */
public record QueueEntry(long seq, long messageId, int qos, boolean retain, int[] subscriptionIds, int packetId,
                         boolean released, StoredMessage message) {

    /** An entry whose body is looked up by {@link #messageId}. */
    public QueueEntry(long seq, long messageId, int qos, boolean retain, int[] subscriptionIds, int packetId,
                      boolean released) {
        this(seq, messageId, qos, retain, subscriptionIds, packetId, released, null);
    }

    /** The same entry with the packet id it was last sent with. */
    public QueueEntry withPacketId(int id) {
        return new QueueEntry(seq, messageId, qos, retain, subscriptionIds, id, released, message);
    }
}
