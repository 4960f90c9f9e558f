package io.tern.broker;

/**
 * One message on its way to one session: the shared message plus what is particular to this receiver.
 *
 * @param message         the routed message
 * @param qos             the QoS to deliver with
 * @param retain          the RETAIN flag to deliver with
 * @param subscriptionIds MQTT 5 subscription identifiers of the matching subscriptions, or null
 * @param group           the shared subscription group it came through, or null
 * @param seq             its position in the session's durable queue, 0 when it is not stored
 */
public record Delivery(Message message, int qos, boolean retain, int[] subscriptionIds, TopicTree.SharedGroup group,
                       long seq) {

    public Delivery(Message message, int qos, boolean retain, int[] subscriptionIds) {
        this(message, qos, retain, subscriptionIds, null, 0);
    }

    public Delivery(Message message, int qos, boolean retain, int[] subscriptionIds, TopicTree.SharedGroup group) {
        this(message, qos, retain, subscriptionIds, group, 0);
    }

    /** Rough heap cost of queueing this delivery, for max_queued_bytes. */
    public int weight() {
        return message.payload().length + message.topic().length() + 64;
    }
}
