package io.tern.broker;

import java.util.List;

/**
 * A session as it moves between brokers of a cluster: what a takeover on another node, or a survivor adopting
 * the sessions of a node that died, needs to continue it (subscriptions, and the QoS 1/2 messages the client has
 * not finished acknowledging, in send order, then the queued ones).
 *
 * @param clientId      the client id
 * @param protocolLevel 3, 4 or 5 (MQTT 3.1, 3.1.1, 5.0) of its last connection
 * @param expirySeconds session expiry; -1 never, 0 ends with the connection
 * @param subscriptions its subscriptions (shared ones by their full {@code $share/g/f} filter)
 * @param pending       in-flight messages (packet id set) first, in send order, then queued ones (packet id 0)
 */
public record SessionState(String clientId, int protocolLevel, long expirySeconds, List<Subscription> subscriptions,
                           List<Pending> pending) {

    /** One subscription with its options. */
    public record Subscription(String filter, int qos, boolean noLocal, boolean retainAsPublished, int retainHandling,
                               int subscriptionId) {
    }

    /**
     * One outbound message.
     *
     * @param packetId the packet id it was sent under, 0 when still queued
     * @param released QoS 2: PUBREC arrived, only PUBREL/PUBCOMP is left
     */
    public record Pending(Message message, int qos, boolean retain, int[] subscriptionIds, int packetId,
                          boolean released) {
    }
}
