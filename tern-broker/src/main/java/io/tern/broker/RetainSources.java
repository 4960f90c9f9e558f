package io.tern.broker;

import io.tern.broker.config.ListenerConfig;
import io.tern.broker.store.StoredMessage;

import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code check_retain_source true}: who published each retained message (client id, username, listener), so
 * that a retained message is delivered to a new subscriber only while its publisher may still write its topic
 * under the ACL now in force (after a SIGHUP changed it, or after a restart with another ACL), as Mosquitto does
 * (CVE-2018-12546). With persistence the source is stored with the retained message and read back at start-up,
 * the listener by its port, as Mosquitto's persistence file keeps it.
 *
 * <p>A source belongs to one retained {@link Message} (compared by identity): a retained message that came
 * another way (a will, a cluster peer, the admin API) has none and is delivered as without the option, as
 * Mosquitto delivers the broker's own messages.
 */
final class RetainSources {

    /**
     * @param listener the listener it came in on; null after a restart when no listener has the stored port
     */
    private record Source(Message message, String clientId, String username, ListenerConfig listener) {
    }

    private final ConcurrentHashMap<String, Source> byTopic = new ConcurrentHashMap<>();

    /** A client published {@code m} with the RETAIN flag (an empty payload clears the topic). */
    void published(Message m, String clientId, String username, ListenerConfig listener) {
        if (m.payload().length == 0) {
            byTopic.remove(m.topic());
        } else {
            byTopic.put(m.topic(), new Source(m, clientId, username, listener));
        }
    }

    /** {@code m} is now the retained message of its topic: a source recorded for an earlier one goes. */
    void retained(Message m) {
        Source s = byTopic.get(m.topic());
        if (s != null && s.message() != m) {
            byTopic.remove(m.topic(), s);
        }
    }

    /** Whether a source is kept for {@code topic} (for tests). */
    boolean has(String topic) {
        return byTopic.containsKey(topic);
    }

    /** The source to store with the retained message {@code m}, or null when it has none. */
    StoredMessage.Source stored(Message m, ListenerConfig local) {
        Source s = byTopic.get(m.topic());
        if (s == null || s.message() != m) {
            return null;
        }
        int port = s.listener() == null || s.listener() == local ? 0 : s.listener().port();
        return new StoredMessage.Source(s.username(), port);
    }

    /** After a restart: the source stored with a retained message; {@code listener} null when none has its port. */
    void restored(Message m, String clientId, String username, ListenerConfig listener) {
        byTopic.put(m.topic(), new Source(m, clientId, username, listener));
    }

    /** Whether the retained message {@code m} may be delivered: its publisher may still write its topic. */
    boolean mayDeliver(Broker broker, Message m) {
        Source s = byTopic.get(m.topic());
        if (s == null || s.message() != m) {
            return true;
        }
        ListenerConfig l = s.listener();
        if (l == null) {
            if (broker.config().perListenerSettings()) {
                return false; // its listener is gone, and with it the rules it was published under (as Mosquitto)
            }
            l = broker.anyListener();
        }
        return broker.security(l).authorizer().canPublish(s.clientId(), s.username(), m.topic());
    }
}
