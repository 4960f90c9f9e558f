package io.tern.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Retained messages, one per topic [MQTT-3.3.1-5]. Exact-topic subscriptions look up in O(1);
 * wildcard subscriptions scan, which is acceptable because subscribing is rare next to publishing.
 */
public final class RetainedStore {

    private final ConcurrentHashMap<String, Message> byTopic = new ConcurrentHashMap<>();

    /** Stores or, for an empty payload, clears the retained message of its topic [MQTT-3.3.1-10]. */
    public void put(Message msg) {
        if (msg.payload().length == 0) {
            byTopic.remove(msg.topic());
        } else {
            byTopic.put(msg.topic(), msg);
        }
    }

    public int size() { return byTopic.size(); }

    /** The retained messages that a new subscription to {@code filter} receives, skipping expired ones. */
    public List<Message> match(String filter) {
        List<Message> out = new ArrayList<>();
        long now = System.nanoTime();
        if (filter.indexOf('+') < 0 && filter.indexOf('#') < 0) {
            Message m = byTopic.get(filter);
            if (m != null && !m.expired(now)) {
                out.add(m);
            }
            return out;
        }
        for (Message m : byTopic.values()) {
            if (TopicLevels.matches(filter, m.topic())) {
                if (m.expired(now)) {
                    byTopic.remove(m.topic(), m);
                } else {
                    out.add(m);
                }
            }
        }
        return out;
    }

    /** Every retained message, for persistence snapshots and diagnostics. */
    public List<Message> all() { return new ArrayList<>(byTopic.values()); }
}
