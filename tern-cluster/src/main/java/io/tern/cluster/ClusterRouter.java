package io.tern.cluster;

import com.hazelcast.map.IMap;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.tern.broker.ClusterEndpoint;
import io.tern.broker.Message;
import io.tern.broker.config.SharedSubscriptionStrategy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cross-node routing: keeps this node's filters in the replicated route map (one entry per node and filter, not per
 * subscriber), forwards each local publish once to each node that has a matching subscriber (with the shared groups
 * that node was chosen for), delivers forwarded messages locally, and keeps retained messages as cluster state.
 */
final class ClusterRouter {

    /** This member's UUID (a new one after a split-brain merge, see {@link #merged}). */
    private volatile UUID self;
    private final ClusterEndpoint endpoint;
    private final RouteTable routes = new RouteTable();
    private final ReplicatedMap<String, String> routeMap;
    private final IMap<String, byte[]> retained;
    private final Forwarder forwarder;
    private final Executor state;
    private final SharedSubscriptionStrategy strategy;
    private final java.util.function.BiConsumer<UUID, byte[]> confirm;
    /** Local subscriptions per filter as written; the route exists while the count is above 0. */
    private final Map<String, Integer> localCounts = new HashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> roundRobin = new ConcurrentHashMap<>();

    /** Per publishing thread: shared groups decided during local routing, then the destinations. */
    private static final class Scratch {
        /** The forwarding of the last QoS 1/2 message published on this thread, until the broker asks. */
        java.util.concurrent.CompletableFuture<Void> forwarded;
        final Map<String, UUID> decided = new HashMap<>();
        /** Whether the last message published on this thread matched a subscription on another node. */
        boolean matchedElsewhere;
        /** Destinations of the last message that are backed up: its publisher is paused for them. */
        final List<Forwarder.Destination> backedUp = new ArrayList<>(2);
        final LinkedHashMap<UUID, Dest> dests = new LinkedHashMap<>();
    }

    private static final class Dest {
        boolean plain;
        List<String> groups = List.of();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    ClusterRouter(UUID self, ClusterEndpoint endpoint, ReplicatedMap<String, String> routeMap,
                  IMap<String, byte[]> retained, Forwarder forwarder, Executor state,
                  SharedSubscriptionStrategy strategy, java.util.function.BiConsumer<UUID, byte[]> confirm) {
        this.confirm = confirm;
        this.self = self;
        this.endpoint = endpoint;
        this.routeMap = routeMap;
        this.retained = retained;
        this.forwarder = forwarder;
        this.state = state;
        this.strategy = strategy;
    }

    RouteTable routes() { return routes; }

    static String routeKey(UUID node, String filter) {
        return node + "|" + filter;
    }

    /** A route map entry appeared (any node, this one included). */
    void routeAdded(String key) {
        int bar = key.indexOf('|');
        routes.add(UUID.fromString(key.substring(0, bar)), key.substring(bar + 1));
    }

    void routeRemoved(String key) {
        int bar = key.indexOf('|');
        UUID node = UUID.fromString(key.substring(0, bar));
        String filter = key.substring(bar + 1);
        if (node.equals(self)) {
            synchronized (localCounts) {
                if (localCounts.containsKey(filter)) {
                    return; // re-subscribed meanwhile; the put that follows restores the entry
                }
            }
        }
        routes.remove(node, filter);
    }

    // ---------------------------------------------------------------- subscriptions of local sessions

    void subscribed(String filter) {
        boolean first;
        synchronized (localCounts) {
            first = localCounts.merge(filter, 1, Integer::sum) == 1;
        }
        if (first) {
            routes.add(self, filter);
            state.execute(() -> routeMap.put(routeKey(self, filter), ""));
        }
    }

    void unsubscribed(String filter) {
        boolean last;
        synchronized (localCounts) {
            Integer n = localCounts.get(filter);
            last = n != null && n == 1;
            if (n != null) {
                if (last) {
                    localCounts.remove(filter);
                } else {
                    localCounts.put(filter, n - 1);
                }
            }
        }
        if (last) {
            routes.remove(self, filter);
            state.execute(() -> {
                synchronized (localCounts) {
                    if (localCounts.containsKey(filter)) {
                        return;
                    }
                }
                routeMap.remove(routeKey(self, filter));
            });
        }
    }

    /**
     * After a split brain healed, on the node that merged into the other half: it is a member again under a new
     * UUID, so its own routes move to that UUID, and every route of a member that is not in the cluster (its
     * own old UUID, members the other half lost) leaves the route map and the table.
     */
    void merged(UUID old, UUID now, Set<UUID> members) {
        self = now;
        List<String> filters;
        synchronized (localCounts) {
            filters = new ArrayList<>(localCounts.keySet());
        }
        routes.removeNode(old);
        filters.forEach(f -> routes.add(now, f));
        state.execute(() -> {
            for (String key : new ArrayList<>(routeMap.keySet())) {
                UUID node = UUID.fromString(key.substring(0, key.indexOf('|')));
                if (!members.contains(node)) {
                    routeMap.remove(key);
                    routes.removeNode(node);
                } else {
                    routeAdded(key);
                }
            }
            filters.forEach(f -> routeMap.put(routeKey(now, f), ""));
        });
    }

    /** Whether any node (this one included) has a route for {@code filter}; for tests and diagnostics. */
    boolean knows(UUID node, String filter) {
        return routes.has(node, filter);
    }

    // ---------------------------------------------------------------- publishing

    boolean sharedHere(String group, String filter, Message msg) {
        String key = "$share/" + group + "/" + filter;
        Set<UUID> nodes = routes.sharedMembers(key);
        if (nodes.isEmpty() || (nodes.size() == 1 && nodes.contains(self))) {
            return true;
        }
        UUID pick = choose(key, nodes, msg);
        SCRATCH.get().decided.put(key, pick);
        return self.equals(pick);
    }

    /** See {@link io.tern.broker.extension.ClusterRouting#forwarded()}; read once. */
    java.util.concurrent.CompletableFuture<Void> forwarded() {
        Scratch s = SCRATCH.get();
        java.util.concurrent.CompletableFuture<Void> f = s.forwarded;
        s.forwarded = null;
        return f;
    }

    void published(Message msg) {
        String topic = msg.topic();
        Scratch s = SCRATCH.get();
        s.forwarded = null;
        s.matchedElsewhere = false;
        s.backedUp.clear();
        if (topic.startsWith("$SYS/")) {
            s.decided.clear();
            return; // $SYS is each node's own
        }
        if (msg.retain()) {
            if (msg.payload().length == 0) {
                state.execute(() -> retained.delete(topic));
            } else {
                byte[] bytes = ClusterWire.retained(msg);
                state.execute(() -> retained.set(topic, bytes));
            }
        }
        LinkedHashMap<UUID, Dest> dests = s.dests;
        routes.match(topic, node -> {
            if (!node.equals(self)) {
                dests.computeIfAbsent(node, k -> new Dest()).plain = true;
            }
        }, (key, nodes) -> {
            if (nodes.size() > 1 || !nodes.contains(self)) {
                s.matchedElsewhere = true;
            }
            UUID pick = s.decided.remove(key);
            if (pick == null) {
                pick = choose(key, nodes, msg);
            }
            if (pick != null && !pick.equals(self)) {
                Dest d = dests.computeIfAbsent(pick, k -> new Dest());
                if (d.groups.isEmpty()) {
                    d.groups = new ArrayList<>(2);
                }
                d.groups.add(key);
            }
        });
        s.decided.clear();
        if (dests.isEmpty()) {
            return;
        }
        s.matchedElsewhere = true;
        java.util.concurrent.CompletableFuture<Void> all = null;
        for (Map.Entry<UUID, Dest> e : dests.entrySet()) {
            java.util.concurrent.CompletableFuture<Void> done = null;
            if (msg.qos() > 0) {
                done = new java.util.concurrent.CompletableFuture<>();
                all = all == null ? done : all.runAfterBoth(done, () -> { });
            }
            Forwarder.Destination full = forwarder.forward(e.getKey(),
                    new Forwarder.Forward(msg, e.getValue().plain, e.getValue().groups, done));
            if (full != null) {
                s.backedUp.add(full);
            }
        }
        dests.clear();
        s.forwarded = all;
    }

    /** Pauses the publisher of the last message published on this thread if a node it went to is backed up. */
    void throttle(io.tern.broker.Connection publisher) {
        List<Forwarder.Destination> full = SCRATCH.get().backedUp;
        for (int i = 0; i < full.size(); i++) {
            full.get(i).pause(publisher);
        }
        full.clear();
    }

    /** Whether the last message published on this thread matched a subscription on another node. */
    boolean matchedElsewhere() {
        return SCRATCH.get().matchedElsewhere;
    }

    /** Forwards a leaving member's message to another node with members of the group; false if there is none. */
    boolean handOverShared(String group, String filter, Message msg) {
        String key = "$share/" + group + "/" + filter;
        Set<UUID> others = new HashSet<>(routes.sharedMembers(key));
        others.remove(self);
        UUID pick = choose(key, others, msg);
        if (pick == null) {
            return false;
        }
        forwarder.forward(pick, new Forwarder.Forward(msg, false, List.of(key), null));
        return true;
    }

    /**
     * One node for a message to a shared subscription with members on several nodes; that node's own strategy
     * then picks the member. Hash strategies pick the same node for the same topic or publisher on every node.
     */
    private UUID choose(String key, Set<UUID> nodes, Message msg) {
        List<UUID> sorted = new ArrayList<>(nodes);
        if (sorted.isEmpty()) {
            return null;
        }
        sorted.sort(null);
        int n = sorted.size();
        int i = switch (strategy) {
            case HASH_TOPIC -> Math.floorMod(msg.topic().hashCode(), n);
            case HASH_CLIENT_ID -> Math.floorMod(msg.publisherId() == null ? 0 : msg.publisherId().hashCode(), n);
            case RANDOM -> ThreadLocalRandom.current().nextInt(n);
            case STICKY -> sorted.contains(self) ? sorted.indexOf(self) : 0;
            case ROUND_ROBIN -> Math.floorMod(roundRobin.computeIfAbsent(key, k -> new AtomicInteger())
                    .getAndIncrement(), n);
        };
        return sorted.get(i);
    }

    /** A frame another node forwarded to this one, on {@code link}'s event loop (flow control may pause it). */
    void received(byte[] bytes, LinkReader link) {
        Forwarder.Frame frame = Forwarder.decode(bytes);
        if (frame.forwards() == null) {
            forwarder.confirmed(frame.sequence());
            return;
        }
        boolean durable = false;
        for (Forwarder.Forward f : frame.forwards()) {
            durable |= endpoint.deliverFromCluster(f.message(), f.plain(),
                    f.groups().isEmpty() ? Set.of() : new HashSet<>(f.groups()), link);
        }
        if (frame.confirm()) {
            confirm(frame.sender(), frame.sequence(), durable);
        }
    }

    /** Per sending node: confirmations waiting for this node's group commit. */
    private final ConcurrentHashMap<UUID, AtomicInteger> syncing = new ConcurrentHashMap<>();

    /**
     * Confirms a frame once it is handed to the local sessions and, when it wrote durable queue entries, once the
     * store's group commit made them durable: the sender then acknowledges its publishers, so an acknowledged
     * message must survive a kill -9 here. A frame that wrote nothing durable waits only if an earlier one from
     * the same sender still does (group commit callbacks run in order), so confirmations keep their order.
     */
    private void confirm(UUID sender, long sequence, boolean durable) {
        byte[] c = Forwarder.confirmation(sequence);
        AtomicInteger waiting = syncing.computeIfAbsent(sender, k -> new AtomicInteger());
        if (!durable && waiting.get() == 0) {
            confirm.accept(sender, c);
            return;
        }
        waiting.incrementAndGet();
        try {
            endpoint.whenDurable(() -> {
                confirm.accept(sender, c); // before the count drops: a later frame that sees 0 comes after it
                waiting.decrementAndGet();
            });
        } catch (IllegalStateException e) {
            // the store cannot sync: never confirmed, the sender releases its publishers after its timeout
            waiting.decrementAndGet();
            ClusterNode.LOG.warn("Cluster: not confirming frame {} from {}: {}", sequence, sender, e.getMessage());
        }
    }

    /** A node left: its routes go, and what waited to be sent to it. */
    void nodeLeft(UUID node) {
        routes.removeNode(node);
        forwarder.forget(node);
        syncing.remove(node);
    }

    // ---------------------------------------------------------------- retained messages

    void retainedChanged(String topic, byte[] value) {
        if (value == null) {
            endpoint.retainedClearedFromCluster(topic);
        } else {
            endpoint.retainedFromCluster(ClusterWire.retained(value));
        }
    }
}
