package io.tern.broker;

import io.tern.broker.config.SharedSubscriptionStrategy;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * Routes a published message to every matching subscription. Several subscriptions of one session
 * that match the same message produce one delivery at the highest granted QoS, carrying all their
 * subscription identifiers (MQTT 3.1.1 4.7.2 non-normative, MQTT 5 [MQTT-3.3.4-2], [MQTT-3.3.4-3]).
 */
public final class Router {

    /** Per-thread scratch space: routing allocates nothing but the deliveries themselves. */
    private static final class Scratch {
        final List<Subscriber> matches = new ArrayList<>();
        final IdentityHashMap<Session, Integer> index = new IdentityHashMap<>();
        final List<TopicTree.SharedGroup> groups = new ArrayList<>();
        /** The store id of the message being routed, 0 until a durable delivery needed one. */
        long messageId;
        /** Whether the message body is in the store (written with its first queue entry). */
        boolean messageStored;
        /** Whether routing this message wrote anything that must be synced before acknowledging it. */
        boolean durable;
        /** How many subscriptions matched the last {@link #publish} on this thread. */
        int routed;
        /** The publishing session, which a congested subscriber may throttle. */
        Session from;
        /**
         * Durable deliveries are handed over only after every one of them is stored: a subscriber that
         * acknowledged at once could otherwise release the shared message before the next one referenced it.
         */
        final List<Session> heldSessions = new ArrayList<>();
        /** A message from another cluster node: whether plain subscribers take it, and which shared groups. */
        boolean fromCluster;
        boolean clusterPlain;
        java.util.Set<String> clusterGroups;
        /** The link a message from another node came in on: a congested subscriber pauses it as it would a publisher. */
        Connection clusterLink;
        final List<Delivery> heldDeliveries = new ArrayList<>();

        /**
         * Resets the per-message state for the next message routed on this thread. Every entry point calls it,
         * so a field added here cannot leak from one message into the next (a stale {@link #messageStored} made
         * every later message's durable entry point at a body that was never written).
         */
        void start(Session publisher) {
            messageId = 0;
            messageStored = false;
            durable = false;
            from = publisher;
            routed = 0;
            fromCluster = false;
            clusterPlain = false;
            clusterGroups = null;
            clusterLink = null;
        }
    }

    private void release(Scratch sc) {
        List<Session> ss = sc.heldSessions;
        if (ss.isEmpty()) {
            return;
        }
        List<Delivery> ds = sc.heldDeliveries;
        for (int i = 0; i < ss.size(); i++) {
            offer(ss.get(i), ds.get(i), sc);
        }
        ss.clear();
        ds.clear();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final TopicTree tree;
    private final boolean upgradeQos;
    private final SharedSubscriptionStrategy strategy;
    private final BrokerStats stats;
    private final int maxQueued;
    private volatile Durability durability;
    private volatile io.tern.broker.extension.MessageObserver observer;

    void observer(io.tern.broker.extension.MessageObserver o) {
        this.observer = o;
    }
    private volatile io.tern.broker.extension.ClusterRouting cluster;

    Router(TopicTree tree, boolean upgradeQos, SharedSubscriptionStrategy strategy, BrokerStats stats, int maxQueued) {
        this.tree = tree;
        this.upgradeQos = upgradeQos;
        this.strategy = strategy;
        this.stats = stats;
        this.maxQueued = maxQueued;
    }

    /** Turns on durable queue entries for persistent sessions (persistence true). */
    void durability(Durability d) {
        this.durability = d;
    }

    void cluster(io.tern.broker.extension.ClusterRouting c) {
        this.cluster = c;
    }

    /**
     * Delivers a message another cluster node forwarded: to the plain subscriptions if {@code plain}, and to the
     * shared groups (full {@code $share/g/f} filters) the sending node chose this node for; never forwarded again.
     * A congested subscriber pauses reading from {@code link} (the connection from the sending node, or null) as
     * it pauses a local publisher: the back-pressure reaches the sending node through TCP.
     */
    int publishFromCluster(Message msg, boolean plain, java.util.Set<String> groups, Connection link) {
        Scratch s = SCRATCH.get();
        s.start(null);
        s.clusterLink = link;
        s.fromCluster = true;
        s.clusterPlain = plain;
        s.clusterGroups = groups;
        try {
            return route(msg, null, s);
        } finally {
            release(s);
            s.fromCluster = false;
            s.clusterGroups = null;
            s.clusterLink = null;
        }
    }

    /** Whether this node delivers {@code msg} to its members of {@code g} (always, without a cluster). */
    private boolean sharedHere(TopicTree.SharedGroup g, Message msg, Scratch s) {
        if (s.fromCluster) {
            return s.clusterGroups != null && s.clusterGroups.contains("$share/" + g.name() + "/" + g.filter());
        }
        io.tern.broker.extension.ClusterRouting c = cluster;
        return c == null || c.sharedHere(g.name(), g.filter(), msg);
    }

    /** Whether the last {@link #publish} on this thread wrote durable state that needs a sync before acking. */
    boolean lastPublishDurable() {
        return SCRATCH.get().durable;
    }

    /** How many subscriptions matched the last {@link #publish} on this thread (0: no subscribers). */
    int lastPublishRouted() {
        return SCRATCH.get().routed;
    }

    /**
     * Hands a delivery to a session; QoS 1/2 deliveries to a durable session are first appended to its
     * durable queue on this (the publisher's) thread, so the publisher's acknowledgement can wait for them.
     */
    void hand(Session s, Delivery d) {
        // outside a publish: its own message id, and no publisher to throttle
        Scratch sc = new Scratch();
        hand(s, d, sc);
        release(sc);
    }

    private void hand(Session s, Delivery d, Scratch sc) {
        if (!s.mayRead(d.message().topic())) {
            // the ACL's read rule: a granted filter (sensors/#) may cover topics the client may not read
            io.tern.broker.extension.MessageObserver o = observer;
            if (o != null) {
                o.dropped(s.clientId(), d.message(), io.tern.broker.extension.MessageObserver.Drop.ACL_READ_DENIED);
            }
            return;
        }
        Durability dur = durability;
        if (dur != null && d.qos() > 0 && s.durable()) {
            if (sc.messageId == 0) {
                sc.messageId = dur.reserveMessageId();
                sc.messageStored = false; // a fresh id has no body yet: its first entry writes it
            }
            long seq = dur.enqueue(s, sc.messageId, sc.messageStored ? null : d.message(), d.qos(), d.retain(),
                    d.subscriptionIds(), maxQueued);
            if (seq == 0) {
                stats.publishDropped.increment();
                io.tern.broker.extension.MessageObserver o = observer;
                if (o != null) {
                    o.dropped(s.clientId(), d.message(), io.tern.broker.extension.MessageObserver.Drop.QUEUE_FULL);
                }
                return;
            }
            sc.messageStored = true;
            sc.durable = true;
            sc.heldSessions.add(s);
            sc.heldDeliveries.add(new Delivery(d.message(), d.qos(), d.retain(), d.subscriptionIds(), d.group(), seq));
            return;
        }
        offer(s, d, sc);
    }

    private void offer(Session s, Delivery d, Scratch sc) {
        s.offer(d);
        Session from = sc.from;
        if ((from != null || sc.clusterLink != null) && s.throttles()) {
            Connection c = from != null ? from.connection() : sc.clusterLink;
            if (c != null) {
                s.throttle(c);
            }
        }
    }

    public TopicTree tree() { return tree; }

    /**
     * Delivers a message to its subscribers.
     *
     * @param msg  the message
     * @param from the publishing session (for No Local), or null
     * @return how many sessions it was handed to
     */
    public int publish(Message msg, Session from) {
        Scratch s = SCRATCH.get();
        s.start(from);
        try {
            return route(msg, from, s);
        } finally {
            release(s);
        }
    }

    private int route(Message msg, Session from, Scratch s) {
        List<Subscriber> matches = s.matches;
        matches.clear();
        List<TopicTree.SharedGroup> groups = s.groups;
        groups.clear();
        tree.match(TopicLevels.split(msg.topic()), matches, groups);
        // what "no matching subscribers" (PUBACK 0x10) means: no subscription matched, delivered or not
        s.routed = matches.size() + groups.size();
        int shared = 0;
        if (!groups.isEmpty()) {
            // shared subscriptions are delivered on their own, one member per group [MQTT-4.8.2]
            for (int i = 0; i < groups.size(); i++) {
                if (sharedHere(groups.get(i), msg, s) && deliverShared(groups.get(i), msg, from, null, s)) {
                    shared++;
                }
            }
            groups.clear();
        }
        int n = matches.size();
        if (n == 0 || (s.fromCluster && !s.clusterPlain)) {
            matches.clear();
            return shared;
        }
        if (n == 1) {
            Subscriber sub = matches.get(0);
            matches.clear();
            if (sub.noLocal() && sub.session() == from) {
                return 0;
            }
            hand(sub.session(), delivery(msg, sub.qos(), sub.retainAsPublished(),
                    sub.subscriptionId() == 0 ? null : new int[] {sub.subscriptionId()}), s);
            return 1 + shared;
        }
        // Merge subscriptions of the same session: max QoS, OR of retain-as-published, all ids.
        IdentityHashMap<Session, Integer> index = s.index;
        index.clear();
        List<Subscriber> merged = new ArrayList<>(n);
        List<int[]> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Subscriber sub = matches.get(i);
            if (sub.noLocal() && sub.session() == from) {
                continue;
            }
            Integer at = index.get(sub.session());
            if (at == null) {
                index.put(sub.session(), merged.size());
                merged.add(sub);
                ids.add(sub.subscriptionId() == 0 ? null : new int[] {sub.subscriptionId()});
            } else {
                Subscriber prev = merged.get(at);
                merged.set(at, new Subscriber(prev.session(), prev.filter(), Math.max(prev.qos(), sub.qos()),
                        false, prev.retainAsPublished() || sub.retainAsPublished(), 0, 0));
                if (sub.subscriptionId() != 0) {
                    int[] old = ids.get(at);
                    int[] grown = old == null ? new int[1] : java.util.Arrays.copyOf(old, old.length + 1);
                    grown[grown.length - 1] = sub.subscriptionId();
                    ids.set(at, grown);
                }
            }
        }
        matches.clear();
        index.clear();
        for (int i = 0; i < merged.size(); i++) {
            Subscriber sub = merged.get(i);
            hand(sub.session(), delivery(msg, sub.qos(), sub.retainAsPublished(), ids.get(i)), s);
        }
        return merged.size() + shared;
    }

    /**
     * Hands a message to one member of a shared subscription group, preferring connected members.
     *
     * @param exclude a member not to pick (the one that just left), or null
     * @return whether a member took it
     */
    boolean deliverShared(TopicTree.SharedGroup g, Message msg, Session from, Session exclude) {
        Scratch sc = new Scratch();
        boolean taken = deliverShared(g, msg, from, exclude, sc);
        release(sc);
        io.tern.broker.extension.ClusterRouting c = cluster;
        if (!taken && exclude != null && c != null) {
            // no other member here: a member on another node takes what the leaving one did not acknowledge
            taken = c.handOverShared(g.name(), g.filter(), msg);
        }
        return taken;
    }

    private boolean deliverShared(TopicTree.SharedGroup g, Message msg, Session from, Session exclude, Scratch sc) {
        Subscriber[] members = g.members();
        if (members.length == 0) {
            return false;
        }
        Subscriber pick = choose(g, members, msg, exclude, true);
        if (pick == null) {
            pick = choose(g, members, msg, exclude, false);
        }
        if (pick == null || (pick.noLocal() && pick.session() == from)) {
            return false;
        }
        int qos = upgradeQos ? pick.qos() : Math.min(msg.qos(), pick.qos());
        hand(pick.session(), new Delivery(msg, qos, pick.retainAsPublished() && msg.retain(),
                pick.subscriptionId() == 0 ? null : new int[] {pick.subscriptionId()}, g), sc);
        return true;
    }

    private Subscriber choose(TopicTree.SharedGroup g, Subscriber[] members, Message msg, Session exclude,
                              boolean onlineOnly) {
        int n = members.length;
        int start = switch (strategy) {
            case ROUND_ROBIN -> Math.floorMod(g.next.getAndIncrement(), n);
            case RANDOM -> java.util.concurrent.ThreadLocalRandom.current().nextInt(n);
            case HASH_CLIENT_ID -> Math.floorMod(msg.publisherId() == null ? 0 : msg.publisherId().hashCode(), n);
            case HASH_TOPIC -> Math.floorMod(msg.topic().hashCode(), n);
            case STICKY -> {
                Subscriber st = g.sticky;
                if (st != null && st.session() != exclude && (!onlineOnly || st.session().online())
                        && st.session().mayRead(msg.topic())) {
                    yield -1;
                }
                yield 0;
            }
        };
        if (start < 0) {
            return g.sticky;
        }
        for (int k = 0; k < n; k++) {
            Subscriber cand = members[(start + k) % n];
            if (cand.session() != exclude && (!onlineOnly || cand.session().online())
                    && cand.session().mayRead(msg.topic())) {
                // a member the ACL keeps from this topic is passed over, not chosen to lose the message
                if (strategy == SharedSubscriptionStrategy.STICKY) {
                    g.sticky = cand;
                }
                return cand;
            }
        }
        return null;
    }

    private Delivery delivery(Message msg, int grantedQos, boolean retainAsPublished, int[] subIds) {
        int qos = upgradeQos ? grantedQos : Math.min(msg.qos(), grantedQos);
        // [MQTT-3.3.1-9] / [MQTT-3.3.1-12]: forwarded messages carry RETAIN=0 unless Retain As Published
        return new Delivery(msg, qos, retainAsPublished && msg.retain(), subIds);
    }
}
