package io.tern.broker.admin;

/**
 * One subscription of one session, as the admin API shows it.
 *
 * @param clientId          the subscribing client id
 * @param filter            the filter as subscribed ({@code $share/group/...} included)
 * @param qos               the granted QoS
 * @param noLocal           MQTT 5 No Local
 * @param retainAsPublished MQTT 5 Retain As Published
 * @param retainHandling    MQTT 5 Retain Handling
 * @param subscriptionId    MQTT 5 Subscription Identifier, 0 when none
 */
public record SubscriptionInfo(String clientId, String filter, int qos, boolean noLocal, boolean retainAsPublished,
                               int retainHandling, int subscriptionId) {
}
