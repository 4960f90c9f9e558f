package io.tern.broker.store;

import java.util.List;

/**
 * A persistent session's durable part.
 *
 * @param clientId         client identifier
 * @param protocolLevel    3, 4 or 5 of its last connection
 * @param expirySeconds    session expiry; -1 never
 * @param disconnectedAtEpochMillis when it went offline, 0 while connected
 * @param subscriptions    its subscriptions
 * @param lastPacketId     the last packet id the broker gave an outgoing message (0 for none), so numbering goes
 *                         on after a restart as Mosquitto's does
 */
public record StoredSession(String clientId, int protocolLevel, long expirySeconds, long disconnectedAtEpochMillis,
                            List<StoredSubscription> subscriptions, int lastPacketId) {

    /** A session whose outgoing packet ids start at 1. */
    public StoredSession(String clientId, int protocolLevel, long expirySeconds, long disconnectedAtEpochMillis,
                         List<StoredSubscription> subscriptions) {
        this(clientId, protocolLevel, expirySeconds, disconnectedAtEpochMillis, subscriptions, 0);
    }

    /**
     * One subscription.
     *
     * @param filter            topic filter (with any $share/group/ prefix)
     * @param qos               granted QoS
     * @param noLocal           MQTT 5 No Local
     * @param retainAsPublished MQTT 5 Retain As Published
     * @param retainHandling    MQTT 5 Retain Handling
     * @param subscriptionId    MQTT 5 subscription identifier, 0 for none
     */
    public record StoredSubscription(String filter, int qos, boolean noLocal, boolean retainAsPublished,
                                     int retainHandling, int subscriptionId) {
    }
}
