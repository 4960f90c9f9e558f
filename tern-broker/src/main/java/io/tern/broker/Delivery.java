package io.tern.broker;

/**
 * One message on its way to one session: the shared message plus what is particular to this receiver.
 *
 * @param message         the routed message
 * @param qos             the QoS to deliver with
 * @param retain          the RETAIN flag to deliver with
 * @param subscriptionIds MQTT 5 subscription identifiers of the matching subscriptions, or null
 */
public record Delivery(Message message, int qos, boolean retain, int[] subscriptionIds) {

    /** Rough heap cost of queueing this delivery, for max_queued_bytes. */
    public int weight() {
        return message.payload().length + message.topic().length() + 64;
    }
}
