package io.tern.broker;

/**
 * What the topic tree holds for one subscription: the session it belongs to and its options.
 *
 * @param session           the subscribing session
 * @param filter            the topic filter as subscribed (without any $share prefix)
 * @param qos               the granted QoS
 * @param noLocal           MQTT 5 No Local
 * @param retainAsPublished MQTT 5 Retain As Published
 * @param retainHandling    MQTT 5 Retain Handling (0, 1 or 2)
 * @param subscriptionId    MQTT 5 Subscription Identifier, 0 when none
 */
public record Subscriber(Session session, String filter, int qos, boolean noLocal, boolean retainAsPublished,
                         int retainHandling, int subscriptionId) {
}
