package io.tern.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The subscription trie. Matching is lock-free and never waits for a subscribe: each node's
 * subscribers are a copy-on-write array behind a volatile field and children live in a
 * {@link ConcurrentHashMap}. Writers (subscribe, unsubscribe) serialise on the tree, which is fine
 * because they are rare next to publishes.
 */
public final class TopicTree {

    private static final Subscriber[] NONE = new Subscriber[0];

    private static final class Node {
        final Node parent;
        final String level;
        final ConcurrentHashMap<String, Node> children = new ConcurrentHashMap<>(4);
        volatile Subscriber[] subscribers = NONE;

        Node(Node parent, String level) {
            this.parent = parent;
            this.level = level;
        }
    }

    private final Node root = new Node(null, null);
    private final AtomicInteger count = new AtomicInteger();

    /** Number of subscriptions in the tree. */
    public int size() { return count.get(); }

    /**
     * Adds a subscription, replacing the same session's earlier subscription to the same filter
     * [MQTT-3.8.4-3].
     *
     * @return the subscription it replaced, or null when it is new
     */
    public synchronized Subscriber subscribe(Subscriber sub) {
        Node node = root;
        for (String level : TopicLevels.split(sub.filter())) {
            Node parent = node;
            node = parent.children.computeIfAbsent(level, l -> new Node(parent, l));
        }
        Subscriber[] subs = node.subscribers;
        for (int i = 0; i < subs.length; i++) {
            if (subs[i].session() == sub.session()) {
                Subscriber old = subs[i];
                Subscriber[] copy = subs.clone();
                copy[i] = sub;
                node.subscribers = copy;
                return old;
            }
        }
        Subscriber[] copy = new Subscriber[subs.length + 1];
        System.arraycopy(subs, 0, copy, 0, subs.length);
        copy[subs.length] = sub;
        node.subscribers = copy;
        count.incrementAndGet();
        return null;
    }

    /** Removes a session's subscription to a filter; returns whether there was one. */
    public synchronized boolean unsubscribe(Session session, String filter) {
        Node node = root;
        for (String level : TopicLevels.split(filter)) {
            node = node.children.get(level);
            if (node == null) {
                return false;
            }
        }
        Subscriber[] subs = node.subscribers;
        for (int i = 0; i < subs.length; i++) {
            if (subs[i].session() == session) {
                Subscriber[] copy = new Subscriber[subs.length - 1];
                System.arraycopy(subs, 0, copy, 0, i);
                System.arraycopy(subs, i + 1, copy, i, subs.length - i - 1);
                node.subscribers = copy;
                count.decrementAndGet();
                prune(node);
                return true;
            }
        }
        return false;
    }

    private void prune(Node node) {
        while (node.parent != null && node.subscribers.length == 0 && node.children.isEmpty()) {
            node.parent.children.remove(node.level, node);
            node = node.parent;
        }
    }

    /**
     * Adds every subscription whose filter matches {@code topic} to {@code out}. A session with several
     * matching filters appears once per filter; the caller merges them.
     */
    public void match(String[] levels, List<Subscriber> out) {
        boolean dollar = levels.length > 0 && !levels[0].isEmpty() && levels[0].charAt(0) == '$';
        match(root, levels, 0, dollar, out);
    }

    private static void match(Node node, String[] levels, int i, boolean dollar, List<Subscriber> out) {
        if (i == levels.length) {
            add(node.subscribers, out);
            // "sport/#" also matches "sport" [MQTT-4.7.1-2]
            Node hash = node.children.get("#");
            if (hash != null) {
                add(hash.subscribers, out);
            }
            return;
        }
        // [MQTT-4.7.2-1]: topics starting with $ are not matched by a leading wildcard
        boolean wildcardsAllowed = !(dollar && i == 0);
        if (node.children.isEmpty()) {
            return;
        }
        if (wildcardsAllowed) {
            Node hash = node.children.get("#");
            if (hash != null) {
                add(hash.subscribers, out);
            }
            Node plus = node.children.get("+");
            if (plus != null) {
                match(plus, levels, i + 1, dollar, out);
            }
        }
        Node exact = node.children.get(levels[i]);
        if (exact != null) {
            match(exact, levels, i + 1, dollar, out);
        }
    }

    private static void add(Subscriber[] subs, List<Subscriber> out) {
        for (Subscriber s : subs) {
            out.add(s);
        }
    }

    /** Every subscription, for $SYS counts and diagnostics; not for the message path. */
    public synchronized List<Subscriber> all() {
        List<Subscriber> out = new ArrayList<>();
        collect(root, out);
        return out;
    }

    private static void collect(Node node, List<Subscriber> out) {
        add(node.subscribers, out);
        for (Node child : node.children.values()) {
            collect(child, out);
        }
    }
}
