package io.tern.broker;

import io.tern.broker.config.ListenerConfig;

import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code check_retain_source true}: who published each retained message, so that a retained message is
 * delivered to a new subscriber only while its publisher may still write its topic under the ACL now in
 * force (after a SIGHUP changed it), as Mosquitto does. Kept in memory: a retained message restored from
 * the store after a restart has no recorded source and is delivered as before.
 */
final class RetainSources {

    private record Source(String clientId, String username, ListenerConfig listener) {
    }

    private final ConcurrentHashMap<String, Source> byTopic = new ConcurrentHashMap<>();

    /** A client published a retained message (an empty payload clears it). */
    void published(String topic, boolean cleared, String clientId, String username, ListenerConfig listener) {
        if (cleared) {
            byTopic.remove(topic);
        } else {
            byTopic.put(topic, new Source(clientId, username, listener));
        }
    }

    /** Whether the retained message on {@code topic} may be delivered: its publisher may still write there. */
    boolean mayDeliver(Broker broker, String topic) {
        Source s = byTopic.get(topic);
        return s == null || broker.security(s.listener()).authorizer().canPublish(s.clientId(), s.username(), topic);
    }
}
