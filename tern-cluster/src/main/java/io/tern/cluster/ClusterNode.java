package io.tern.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.tern.broker.Broker;
import io.tern.broker.ClusterEndpoint;
import io.tern.broker.Message;
import io.tern.broker.SessionState;
import io.tern.broker.config.ClusterConfig;
import io.tern.broker.extension.ClusterRouting;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One Tern broker as a member of a Tern cluster: an embedded Hazelcast member for membership and cluster state, and
 * the broker's {@link ClusterRouting} hooks. See docs/DESIGN.md "Cluster" for what crosses the network when.
 */
public final class ClusterNode implements ClusterRouting {

    static final Logger LOG = LoggerFactory.getLogger("tern.notice");
    private static final Map<String, ClusterNode> BY_INSTANCE = new ConcurrentHashMap<>();

    private final Broker broker;
    private final String nodeId;
    private final HazelcastInstance hz;
    /** This member's UUID; Hazelcast gives a member a new one when it merges after a split brain. */
    private volatile UUID self;
    /** One thread for writes to cluster state, so the event loops never wait on the network and order is kept. */
    private final ExecutorService stateThread;
    /** {@link #stateThread} that drops work once this node stopped (connections closing after the cluster left). */
    private final java.util.concurrent.Executor state;
    private volatile boolean stopped;
    private final ScheduledExecutorService timer;
    private final Forwarder forwarder;
    private final MemberLinks links;
    private ClusterEndpoint endpoint;
    private ClusterRouter router;
    private ClusterSessions sessions;
    private final Map<UUID, String> nodeIds = new ConcurrentHashMap<>();

    private ClusterNode(Broker broker, String nodeId, HazelcastInstance hz, MemberLinks links) {
        this.broker = broker;
        this.links = links;
        this.nodeId = nodeId;
        this.hz = hz;
        this.self = hz.getCluster().getLocalMember().getUuid();
        this.stateThread = Executors.newSingleThreadExecutor(r -> daemon(r, "tern-cluster-state-" + nodeId));
        this.state = r -> {
            if (stopped) {
                return;
            }
            try {
                stateThread.execute(() -> {
                    try {
                        r.run();
                    } catch (RuntimeException e) {
                        if (!stopped) {
                            LOG.warn("Cluster: updating cluster state failed: {}", e.toString());
                        }
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping
            }
        };
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "tern-cluster-timer-" + nodeId));
        this.forwarder = new Forwarder(nodeId, self, links::send, links::writable);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Joins (or forms) the cluster named by {@code config}, then hooks into {@code broker}. */
    static ClusterNode start(Broker broker, ClusterConfig config) throws IOException {
        String nodeId = config.nodeId() != null ? config.nodeId() : defaultNodeId(config);
        MemberLinks links = new MemberLinks(config.name(), nodeId, config.bindAddress(), config.linkPort());
        HazelcastInstance hz;
        try {
            com.hazelcast.config.Config hc = HazelcastSetup.config(config, nodeId);
            hc.getMemberAttributeConfig().setAttribute(HazelcastSetup.LINK_ATTRIBUTE, Integer.toString(links.port()));
            hz = Hazelcast.newHazelcastInstance(hc);
        } catch (RuntimeException e) {
            links.close();
            throw new IOException("cannot join cluster '" + config.name() + "' on port " + config.port() + ": "
                    + e.getMessage(), e);
        }
        ClusterNode node = new ClusterNode(broker, nodeId, hz, links);
        try {
            node.wire();
        } catch (RuntimeException e) {
            node.stop();
            throw new IOException("cluster '" + config.name() + "': " + e.getMessage(), e);
        }
        return node;
    }

    private static String defaultNodeId(ClusterConfig c) {
        String host = c.bindAddress();
        if (host == null) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return host + ":" + c.port();
    }

    static ClusterNode of(HazelcastInstance hz) {
        return BY_INSTANCE.get(hz.getName());
    }

    /** Where a member's message link listens: its member address and the port it published. */
    private java.net.InetSocketAddress linkAddress(UUID node) {
        for (Member m : hz.getCluster().getMembers()) {
            if (m.getUuid().equals(node)) {
                String port = m.getAttribute(HazelcastSetup.LINK_ATTRIBUTE);
                return port == null ? null : new java.net.InetSocketAddress(m.getAddress().getHost(),
                        Integer.parseInt(port));
            }
        }
        return null;
    }

    private void wire() {
        BY_INSTANCE.put(hz.getName(), this);
        endpoint = broker.clusterEndpoint();
        ReplicatedMap<String, String> routeMap = hz.getReplicatedMap(HazelcastSetup.ROUTES);
        IMap<String, byte[]> retained = hz.getMap(HazelcastSetup.RETAINED);
        router = new ClusterRouter(self, endpoint, routeMap, retained, forwarder, state,
                broker.config().sharedSubscriptionStrategy(), forwarder::sendRaw);
        sessions = new ClusterSessions(hz, nodeId, endpoint, state, timer);

        links.start(router::received, this::linkAddress, forwarder::wake);
        routeMap.addEntryListener(new EntryListener<String, String>() {
            @Override
            public void entryAdded(EntryEvent<String, String> e) { router.routeAdded(e.getKey()); }

            @Override
            public void entryUpdated(EntryEvent<String, String> e) { router.routeAdded(e.getKey()); }

            @Override
            public void entryRemoved(EntryEvent<String, String> e) { router.routeRemoved(e.getKey()); }

            @Override
            public void entryEvicted(EntryEvent<String, String> e) { router.routeRemoved(e.getKey()); }

            @Override
            public void entryExpired(EntryEvent<String, String> e) { router.routeRemoved(e.getKey()); }

            @Override
            public void mapCleared(MapEvent e) { }

            @Override
            public void mapEvicted(MapEvent e) { }
        });
        for (String key : routeMap.keySet()) {
            router.routeAdded(key);
        }
        retained.addEntryListener(new RetainedListener(), true);
        // a node that joins later gets every retained message; its own (restored from its store) join them
        for (Map.Entry<String, byte[]> e : retained.entrySet()) {
            router.retainedChanged(e.getKey(), e.getValue());
        }
        for (Message m : endpoint.retainedMessages()) {
            if (!m.topic().startsWith("$SYS/")) {
                retained.putIfAbsent(m.topic(), ClusterWire.retained(m));
            }
        }
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                String id = nodeIdOf(e.getMember());
                LOG.info("Cluster member {} joined, {} members.", id, e.getMembers().size());
                publishMembers();
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                Member m = e.getMember();
                String id = nodeIdOf(m);
                LOG.info("Cluster member {} left, {} members.", id, e.getMembers().size());
                router.nodeLeft(m.getUuid());
                links.forget(m.getUuid());
                // the oldest survivor takes care of the dead node's sessions and wills
                Member oldest = e.getMembers().iterator().next();
                if (oldest.localMember()) {
                    sessions.nodeDied(m.getUuid(), id);
                    state.execute(() -> {
                        String prefix = m.getUuid() + "|";
                        routeMap.keySet().removeIf(k -> k.startsWith(prefix));
                    });
                }
                publishMember(id, "down");
                publishMembers();
            }
        });
        hz.getLifecycleService().addLifecycleListener(e -> {
            if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
                UUID old = self;
                UUID now = hz.getCluster().getLocalMember().getUuid();
                LOG.info("Cluster: split brain healed, this node merged into the other half ({} members);"
                        + " writing its routes and sessions again.", hz.getCluster().getMembers().size());
                self = now;
                forwarder.self(now);
                java.util.Set<UUID> members = new java.util.HashSet<>();
                hz.getCluster().getMembers().forEach(m -> {
                    members.add(m.getUuid());
                    nodeIdOf(m);
                });
                router.merged(old, now, members);
                sessions.merged(old.toString());
                // retained messages: what only this half had joins the merged map, which every node then mirrors
                state.execute(() -> {
                    for (Message m : endpoint.retainedMessages()) {
                        if (!m.topic().startsWith("$SYS/")) {
                            retained.putIfAbsent(m.topic(), ClusterWire.retained(m));
                        }
                    }
                });
                resyncRetained();
            }
        });
        for (Member m : hz.getCluster().getMembers()) {
            nodeIdOf(m);
        }
        broker.joinCluster(this);
        // sessions restored from this node's store: ours again, unless the cluster moved them on while we were down
        for (String clientId : endpoint.clientIds()) {
            String movedTo = sessions.ownedElsewhere(clientId);
            if (movedTo != null) {
                LOG.info("Cluster: session {} moved to node {} while this node was down; handing its queued"
                        + " messages there and dropping the local copy.", clientId, movedTo);
                endpoint.snapshot(clientId).thenAccept(s -> sessions.handBackQueued(clientId, s));
                continue;
            }
            endpoint.snapshot(clientId).thenAccept(s -> {
                if (s != null) {
                    s.subscriptions().forEach(sub -> subscribed(clientId, sub, true));
                }
            });
        }
        LOG.info("Cluster message link on port {}.", links.port());
        LOG.info("Cluster {}: node {} joined, {} members.", hz.getConfig().getClusterName(), nodeId,
                hz.getCluster().getMembers().size());
        publishMembers();
    }

    /** Makes this node's copy of the retained messages the cluster's map again (after a split brain healed). */
    void resyncRetained() {
        state.execute(() -> {
            IMap<String, byte[]> retained = hz.getMap(HazelcastSetup.RETAINED);
            for (Map.Entry<String, byte[]> en : retained.entrySet()) {
                router.retainedChanged(en.getKey(), en.getValue());
            }
        });
    }

    private String nodeIdOf(Member m) {
        String id = m.getAttribute(HazelcastSetup.NODE_ATTRIBUTE);
        if (id == null) {
            id = m.getAddress().toString();
        }
        nodeIds.put(m.getUuid(), id);
        return id;
    }

    private void publishMembers() {
        if (!hz.getLifecycleService().isRunning()) {
            return;
        }
        int n = hz.getCluster().getMembers().size();
        sys("$SYS/broker/cluster/nodes", Integer.toString(n));
        for (Member m : hz.getCluster().getMembers()) {
            publishMember(nodeIdOf(m), "up");
        }
    }

    private void publishMember(String id, String s) {
        sys("$SYS/broker/cluster/members/" + id + "/state", s);
    }

    private void sys(String topic, String value) {
        endpoint.publish(Message.of(topic, value.getBytes(StandardCharsets.UTF_8), 0, true));
    }

    private final class RetainedListener implements EntryAddedListener<String, byte[]>,
            EntryUpdatedListener<String, byte[]>, EntryRemovedListener<String, byte[]>,
            EntryExpiredListener<String, byte[]>, com.hazelcast.map.listener.EntryMergedListener<String, byte[]> {
        @Override
        public void entryMerged(EntryEvent<String, byte[]> e) { router.retainedChanged(e.getKey(), e.getValue()); }

        @Override
        public void entryAdded(EntryEvent<String, byte[]> e) { router.retainedChanged(e.getKey(), e.getValue()); }

        @Override
        public void entryUpdated(EntryEvent<String, byte[]> e) { router.retainedChanged(e.getKey(), e.getValue()); }

        @Override
        public void entryRemoved(EntryEvent<String, byte[]> e) { router.retainedChanged(e.getKey(), null); }

        @Override
        public void entryExpired(EntryEvent<String, byte[]> e) { router.retainedChanged(e.getKey(), null); }
    }

    // ---------------------------------------------------------------- ClusterRouting

    @Override
    public void published(Message msg) {
        if (stopped) {
            return;
        }
        router.published(msg);
    }

    @Override
    public void throttle(io.tern.broker.Connection publisher) {
        if (!stopped) {
            router.throttle(publisher);
        }
    }

    @Override
    public boolean matchedElsewhere() {
        return !stopped && router.matchedElsewhere();
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> forwarded() {
        return stopped ? null : router.forwarded();
    }

    @Override
    public boolean handOverShared(String group, String filter, Message msg) {
        return !stopped && router.handOverShared(group, filter, msg);
    }

    @Override
    public boolean sharedHere(String group, String filter, Message msg) {
        if (stopped) {
            return true;
        }
        return router.sharedHere(group, filter, msg);
    }

    @Override
    public void subscribed(String clientId, SessionState.Subscription subscription, boolean added) {
        if (stopped) {
            return;
        }
        if (added) {
            router.subscribed(subscription.filter());
        }
        sessions.subscribed(clientId, subscription);
    }

    @Override
    public void unsubscribed(String clientId, String filter) {
        if (stopped) {
            return;
        }
        router.unsubscribed(filter);
        sessions.unsubscribed(clientId, filter);
    }

    @Override
    public void connecting(String clientId, boolean cleanStart, Consumer<SessionState> proceed) {
        if (stopped) {
            proceed.accept(null);
            return;
        }
        sessions.connecting(clientId, cleanStart, proceed);
    }

    @Override
    public void attached(String clientId, MqttVersion version, long expirySeconds, Packet.Will will) {
        if (stopped) {
            return;
        }
        sessions.attached(clientId, version, expirySeconds, will);
    }

    @Override
    public void detached(String clientId, boolean ended) {
        if (stopped) {
            return;
        }
        sessions.detached(clientId, ended);
    }

    @Override
    public void ended(String clientId) {
        if (stopped) {
            return;
        }
        sessions.ended(clientId);
    }

    // ---------------------------------------------------------------- lifecycle and diagnostics

    ClusterSessions sessions() { return sessions; }

    /** This node's id (cluster_node_id, or address and port). */
    public String nodeId() { return nodeId; }

    @Override
    public List<io.tern.broker.extension.ClusterMember> memberList() {
        if (!hz.getLifecycleService().isRunning()) {
            return List.of();
        }
        List<io.tern.broker.extension.ClusterMember> out = new java.util.ArrayList<>();
        for (Member m : hz.getCluster().getMembers()) {
            out.add(new io.tern.broker.extension.ClusterMember(nodeIdOf(m),
                    m.getAddress().getHost() + ":" + m.getAddress().getPort(), m.localMember()));
        }
        return out;
    }

    /** How many members the cluster has as this node sees it. */
    public int members() { return hz.getLifecycleService().isRunning() ? hz.getCluster().getMembers().size() : 0; }

    /** Whether this node knows that {@code node} has subscribers for {@code filter} (tests, diagnostics). */
    public boolean knowsRoute(String node, String filter) {
        for (Map.Entry<UUID, String> e : nodeIds.entrySet()) {
            if (e.getValue().equals(node) && router.knows(e.getKey(), filter)) {
                return true;
            }
        }
        return false;
    }

    /** Messages forwarded to other nodes. */
    public long forwardedCount() { return forwarder.forwarded.sum(); }

    /** Messages that could not be forwarded (a link that failed, or a destination queue at its hard limit). */
    public long forwardDropped() { return forwarder.dropped.sum(); }

    /** The node id the cluster's session record names as owning {@code clientId}'s session, or null. */
    public String sessionOwner(String clientId) { return sessions.ownerNode(clientId); }

    /** Connects here that waited for another node's connect of the same client id. */
    public long claimWaits() { return sessions.claimWaits.sum(); }

    /** The port this node's message link listens on. */
    public int linkPort() { return links.port(); }

    /** Times a congested local subscriber paused reading from a message link. */
    public long linkReadPauses() { return links.readPauses.sum(); }

    /** Times a destination node's queue here passed its high-water mark (its publishers were paused). */
    public long destinationsBackedUp() { return forwarder.backedUp.sum(); }

    /** Simulates a crash for tests: the member vanishes without a goodbye (as under kill -9). */
    public void crash() {
        stopped = true;
        links.close();
        hz.getLifecycleService().terminate();
    }

    /** Leaves the cluster; cluster state this node held moves to the others (graceful shutdown). */
    void stop() {
        stopped = true;
        forwarder.close();
        links.close();
        stateThread.shutdown();
        try {
            stateThread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        BY_INSTANCE.remove(hz.getName());
        if (hz.getLifecycleService().isRunning()) {
            try {
                sessions.leaving();
            } catch (RuntimeException e) {
                LOG.warn("Cluster: could not mark this node's sessions offline: {}", e.toString());
            }
            hz.shutdown();
        }
    }
}
