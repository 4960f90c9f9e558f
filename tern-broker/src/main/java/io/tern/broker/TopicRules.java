package io.tern.broker;

import io.tern.codec.Topics;

/**
 * What a client may name as a topic or filter: how deep it may be, which {@code $} topics it may not publish to,
 * and the listener's {@code mount_point} in front of it. Stateless; {@link ProtocolHandler} and
 * {@link InboundPublish} and {@link SubscriptionRequests} ask it.
 */
final class TopicRules {

    /**
     * Topic names and filters deeper than this are refused, as Mosquitto 2.0 does (TOPIC_HIERARCHY_LIMIT):
     * the topic tree is walked level by level, and 65,535 levels of '/' are an attack, not a topic.
     */
    static final int MAX_TOPIC_LEVELS = 200;

    /**
     * Clients may not publish to {@code $SYS} (the broker's own topics), except
     * {@code $SYS/broker/connection/<name>/state} which a bridge from another broker writes, nor to a topic
     * beginning with {@code $share} (a shared subscription prefix, not a topic). As Mosquitto 2.0 (its
     * acl__check_dollar); topics starting with {@code $} are the server's to define [MQTT-4.7.2-1].
     */
    static boolean dollarDenied(String topic) {
        if (topic.isEmpty() || topic.charAt(0) != '$') {
            return false;
        }
        if (topic.startsWith("$SYS")) {
            String[] levels = topic.split("/", -1);
            return !(levels.length == 5 && levels[0].equals("$SYS") && levels[1].equals("broker")
                    && levels[2].equals("connection") && levels[4].equals("state"));
        }
        return topic.startsWith("$share");
    }

    /**
     * The listener's {@code mount_point} put in front of a topic or filter the client sent (for a shared
     * subscription, in front of its filter part), as Mosquitto does; {@link Session} takes it off again on
     * the way out.
     */
    static String mounted(io.tern.broker.config.ListenerConfig listener, String topic) {
        String mount = listener.mountPoint();
        if (mount == null) {
            return topic;
        }
        if (Topics.isShared(topic)) {
            int at = topic.indexOf('/', "$share/".length()) + 1;
            return topic.substring(0, at) + mount + topic.substring(at);
        }
        return mount + topic;
    }

    /** More than {@link #MAX_TOPIC_LEVELS} separators (Mosquitto counts the '/' characters). */
    static boolean tooDeep(String topic) {
        if (topic.length() <= MAX_TOPIC_LEVELS) {
            return false;
        }
        int n = 0;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/' && ++n > MAX_TOPIC_LEVELS) {
                return true;
            }
        }
        return false;
    }

    private TopicRules() { }
}
