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
    private static final SharedGroup[] NO_GROUPS = new SharedGroup[0];

    /**
     * The members of one MQTT 5 shared subscription {@code $share/name/filter}; each message goes to one of
     * them [MQTT-4.8.2]. Members are a copy-on-write array like a node's subscribers.
     */
    public static final class SharedGroup {
        final String name;
        final String filter;
        volatile Subscriber[] members = NONE;
        final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        volatile Subscriber sticky;

        SharedGroup(String name, String filter) {
            this.name = name;
            this.filter = filter;
        }

        public String name() { return name; }

        public String filter() { return filter; }

        public Subscriber[] members() { return members; }
    }

    private static final class Node {
        final Node parent;
        final String level;
        final ConcurrentHashMap<String, Node> children = new ConcurrentHashMap<>(4);
        volatile Subscriber[] subscribers = NONE;
        volatile SharedGroup[] groups = NO_GROUPS;

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

    /** Adds a member to the shared subscription {@code $share/group/filter}; returns the one it replaced. */
    public synchronized Subscriber subscribeShared(String group, Subscriber sub) {
        Node node = root;
        for (String level : TopicLevels.split(sub.filter())) {
            Node parent = node;
            node = parent.children.computeIfAbsent(level, l -> new Node(parent, l));
        }
        SharedGroup g = null;
        for (SharedGroup candidate : node.groups) {
            if (candidate.name.equals(group)) {
                g = candidate;
            }
        }
        if (g == null) {
            g = new SharedGroup(group, sub.filter());
            SharedGroup[] gs = java.util.Arrays.copyOf(node.groups, node.groups.length + 1);
            gs[gs.length - 1] = g;
            node.groups = gs;
        }
        Subscriber[] ms = g.members;
        for (int i = 0; i < ms.length; i++) {
            if (ms[i].session() == sub.session()) {
                Subscriber old = ms[i];
                Subscriber[] copy = ms.clone();
                copy[i] = sub;
                g.members = copy;
                return old;
            }
        }
        Subscriber[] copy = java.util.Arrays.copyOf(ms, ms.length + 1);
        copy[ms.length] = sub;
        g.members = copy;
        count.incrementAndGet();
        return null;
    }

    /** Removes a session from the shared subscription {@code $share/group/filter}. */
    public synchronized boolean unsubscribeShared(Session session, String group, String filter) {
        Node node = root;
        for (String level : TopicLevels.split(filter)) {
            node = node.children.get(level);
            if (node == null) {
                return false;
            }
        }
        SharedGroup[] gs = node.groups;
        for (int gi = 0; gi < gs.length; gi++) {
            SharedGroup g = gs[gi];
            if (!g.name.equals(group)) {
                continue;
            }
            Subscriber[] ms = g.members;
            for (int i = 0; i < ms.length; i++) {
                if (ms[i].session() == session) {
                    Subscriber[] copy = new Subscriber[ms.length - 1];
                    System.arraycopy(ms, 0, copy, 0, i);
                    System.arraycopy(ms, i + 1, copy, i, ms.length - i - 1);
                    g.members = copy;
                    if (g.sticky != null && g.sticky.session() == session) {
                        g.sticky = null;
                    }
                    count.decrementAndGet();
                    if (copy.length == 0) {
                        SharedGroup[] rest = new SharedGroup[gs.length - 1];
                        System.arraycopy(gs, 0, rest, 0, gi);
                        System.arraycopy(gs, gi + 1, rest, gi, gs.length - gi - 1);
                        node.groups = rest;
                        prune(node);
                    }
                    return true;
                }
            }
        }
        return false;
    }

    private void prune(Node node) {
        while (node.parent != null && node.subscribers.length == 0 && node.groups.length == 0
                && node.children.isEmpty()) {
            node.parent.children.remove(node.level, node);
            node = node.parent;
        }
    }

    /**
     * Adds every subscription whose filter matches {@code topic} to {@code out}. A session with several
     * matching filters appears once per filter; the caller merges them.
     */
    public void match(String[] levels, List<Subscriber> out) {
        match(levels, out, null);
    }

    /** As {@link #match(String[], List)}, also collecting the matching shared subscription groups. */
    public void match(String[] levels, List<Subscriber> out, List<SharedGroup> groups) {
        boolean dollar = levels.length > 0 && !levels[0].isEmpty() && levels[0].charAt(0) == '$';
        match(root, levels, 0, dollar, out, groups);
    }

    private static void match(Node node, String[] levels, int i, boolean dollar, List<Subscriber> out,
                              List<SharedGroup> groups) {
        if (i == levels.length) {
            add(node, out, groups);
            // "sport/#" also matches "sport" [MQTT-4.7.1-2]
            Node hash = node.children.get("#");
            if (hash != null) {
                add(hash, out, groups);
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
                add(hash, out, groups);
            }
            Node plus = node.children.get("+");
            if (plus != null) {
                match(plus, levels, i + 1, dollar, out, groups);
            }
        }
        Node exact = node.children.get(levels[i]);
        if (exact != null) {
            match(exact, levels, i + 1, dollar, out, groups);
        }
    }

    private static void add(Node node, List<Subscriber> out, List<SharedGroup> groups) {
        add(node.subscribers, out);
        if (groups != null) {
            for (SharedGroup g : node.groups) {
                groups.add(g);
            }
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
        for (SharedGroup g : node.groups) {
            add(g.members, out);
        }
        for (Node child : node.children.values()) {
            collect(child, out);
        }
    }
}
