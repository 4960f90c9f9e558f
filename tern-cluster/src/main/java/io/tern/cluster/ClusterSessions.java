package io.tern.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.tern.broker.ClusterEndpoint;
import io.tern.broker.Message;
import io.tern.broker.SessionState;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Client ids unique cluster-wide. Each node writes a record per session it has to the cluster's session map
 * (owner, connected, subscriptions, will); a client connecting to another node makes that node ask the owner to
 * hand the session over; when a node dies, the oldest survivor publishes the wills of its connected clients and
 * adopts its persistent sessions, so they queue messages until their clients come back (anywhere).
 */
final class ClusterSessions {

    /** How long a connecting client waits for the node that had its session to give it up. */
    static final long HAND_OVER_TIMEOUT_SECONDS = 10;

    /** This node's view of one of its sessions, the source of the record it writes. */
    private static final class Local {
        boolean connected;
        long expirySeconds;
        int protocolLevel = 4;
        final Map<String, SessionState.Subscription> subscriptions = new LinkedHashMap<>();
        byte[] will;
        long willDelay;
    }

    private final HazelcastInstance hz;
    /** This member's UUID as text (a new one after a split-brain merge). */
    private volatile String self;
    private final String nodeId;
    private final ClusterEndpoint endpoint;
    private final IMap<String, SessionRecord> records;
    private final IExecutorService executor;
    private final Executor state;
    private final ScheduledExecutorService timer;
    private final ConcurrentHashMap<String, Local> local = new ConcurrentHashMap<>();
    /** A claim holds a client id at most this long if its node never finishes the connect (cluster time, ms). */
    static final long CLAIM_LEASE_MS = (HAND_OVER_TIMEOUT_SECONDS + 5) * 1000;
    static final long CLAIM_RETRY_MILLIS = 20;
    /** This node's claims ({@link Claim}) by client id, until the connect wrote its record or went away. */
    private final ConcurrentHashMap<String, String> claims = new ConcurrentHashMap<>();
    /** Connects that found another node's connect of the same client id in progress and waited for it. */
    final java.util.concurrent.atomic.LongAdder claimWaits = new java.util.concurrent.atomic.LongAdder();
    /** Client ids being handed over to another node right now: their end here must not remove the record. */
    private final Set<String> handingOver = ConcurrentHashMap.newKeySet();

    ClusterSessions(HazelcastInstance hz, String nodeId, ClusterEndpoint endpoint, Executor state,
                    ScheduledExecutorService timer) {
        this.hz = hz;
        this.self = hz.getCluster().getLocalMember().getUuid().toString();
        this.nodeId = nodeId;
        this.endpoint = endpoint;
        this.records = hz.getMap(HazelcastSetup.SESSIONS);
        this.executor = hz.getExecutorService("tern.handover");
        this.state = state;
        this.timer = timer;
    }

    // ---------------------------------------------------------------- connect and takeover

    void connecting(String clientId, boolean cleanStart, Consumer<SessionState> proceed) {
        AtomicBoolean done = new AtomicBoolean();
        Consumer<SessionState> once = s -> {
            if (done.compareAndSet(false, true)) {
                proceed.accept(s);
            }
        };
        String token = UUID.randomUUID().toString();
        claim(clientId, token, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLAIM_LEASE_MS), false, once, done);
    }

    /**
     * Claims the client id for this connect ({@link Claim}); while another node's connect holds it, retries every
     * {@link #CLAIM_RETRY_MILLIS}, and takes it anyway once that node is gone or the lease ran out.
     */
    private void claim(String clientId, String token, long deadline, boolean force, Consumer<SessionState> once,
                       AtomicBoolean done) {
        long now = hz.getCluster().getClusterTime();
        records.submitToKey(clientId, new Claim(self, token, now, now + CLAIM_LEASE_MS, force))
                .whenComplete((res, err) -> {
                    if (err != null) {
                        ClusterNode.LOG.warn("Cluster: session lookup for {} failed: {}", clientId, err.toString());
                        once.accept(null);
                        return;
                    }
                    if (res.busy()) {
                        claimWaits.increment();
                        boolean gone = member(res.holder()) == null;
                        if (gone || System.nanoTime() - deadline > 0) {
                            claim(clientId, token, deadline, true, once, done);
                        } else {
                            timer.schedule(() -> claim(clientId, token, deadline, false, once, done),
                                    CLAIM_RETRY_MILLIS, TimeUnit.MILLISECONDS);
                        }
                        return;
                    }
                    claims.put(clientId, token);
                    takeOverFrom(clientId, res.before(), once, done);
                });
    }

    /** With the claim held: continue from {@code rec}, the record before it (null: no session anywhere). */
    private void takeOverFrom(String clientId, SessionRecord rec, Consumer<SessionState> once, AtomicBoolean done) {
        if (rec == null || self.equals(rec.owner)) {
            once.accept(null);
            return;
        }
        Member owner = member(rec.owner);
        if (owner == null) {
            // its node died and no survivor adopted it yet: continue from the record
            once.accept(rec.expirySeconds != 0 ? state(clientId, rec) : null);
            return;
        }
        timer.schedule(() -> {
            if (!done.get()) {
                ClusterNode.LOG.warn("Cluster: node {} did not hand over session {} within {} s", rec.ownerNode,
                        clientId, HAND_OVER_TIMEOUT_SECONDS);
                once.accept(rec.expirySeconds != 0 ? state(clientId, rec) : null);
            }
        }, HAND_OVER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        executor.submitToMember(new HandOverTask(clientId), owner, new ExecutionCallback<byte[]>() {
            @Override
            public void onResponse(byte[] response) {
                once.accept(response == null ? null : ClusterWire.sessionState(response));
            }

            @Override
            public void onFailure(Throwable t) {
                // the owner is going away: what its record says is the best there is
                ClusterNode.LOG.warn("Cluster: hand-over of {} from {} failed: {}", clientId, rec.ownerNode,
                        t.toString());
                once.accept(rec.expirySeconds != 0 ? state(clientId, rec) : null);
            }
        });
    }

    /**
     * This node came back (with its store) after its session of {@code clientId} had moved to another node, which
     * has it without what queued here before this node went down: those messages go to that node, then the local
     * copy is dropped. In-flight QoS 2 messages are left out (the client may have them: never twice at QoS 2);
     * in-flight QoS 1 ones go again (at least once). They arrive after whatever the session got meanwhile.
     */
    void handBackQueued(String clientId, SessionState local) {
        List<SessionState.Pending> queued = new ArrayList<>();
        if (local != null) {
            for (SessionState.Pending p : local.pending()) {
                if (!(p.qos() == 2 && p.packetId() != 0) && !p.released()) {
                    queued.add(p);
                }
            }
        }
        SessionRecord rec = records.get(clientId);
        Member owner = rec == null || rec.owner == null ? null : member(rec.owner);
        if (queued.isEmpty() || owner == null || owner.localMember()) {
            endpoint.discard(clientId);
            return;
        }
        byte[] state = ClusterWire.sessionState(new SessionState(clientId, local.protocolLevel(),
                local.expirySeconds(), List.of(), queued));
        executor.submitToMember(new RequeueTask(clientId, state), owner, new ExecutionCallback<Boolean>() {
            @Override
            public void onResponse(Boolean taken) {
                if (Boolean.TRUE.equals(taken)) {
                    ClusterNode.LOG.info("Cluster: handed {} queued messages of session {} to node {}.",
                            queued.size(), clientId, rec.ownerNode);
                } else {
                    ClusterNode.LOG.warn("Cluster: node {} no longer has session {}; dropping its {} queued messages.",
                            rec.ownerNode, clientId, queued.size());
                }
                endpoint.discard(clientId);
            }

            @Override
            public void onFailure(Throwable t) {
                // kept here: the next start tries again
                ClusterNode.LOG.warn("Cluster: could not hand the queued messages of session {} to node {}: {}",
                        clientId, rec.ownerNode, t.toString());
            }
        });
    }

    /** On the node that now has the session: queue what the node that came back held for it. */
    boolean requeue(String clientId, byte[] state) throws Exception {
        SessionState s = ClusterWire.sessionState(state);
        return endpoint.requeue(clientId, s.pending()).get(HAND_OVER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** On the node that has the session: give it up (see {@link HandOverTask}). */
    byte[] handOver(String clientId) throws Exception {
        handingOver.add(clientId);
        try {
            SessionState s = endpoint.handOver(clientId).get(HAND_OVER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            local.remove(clientId);
            // a session that ends with its connection (expiry 0) ends here: the new one starts afresh [MQTT-3.1.2-4]
            return s == null || s.expirySeconds() == 0 ? null : ClusterWire.sessionState(s);
        } finally {
            handingOver.remove(clientId);
        }
    }

    /** The node id of the live member that has this client's session, or null when it is none but us. */
    String ownedElsewhere(String clientId) {
        SessionRecord rec = records.get(clientId);
        if (rec == null || self.equals(rec.owner) || member(rec.owner) == null) {
            return null;
        }
        return rec.ownerNode;
    }

    private Member member(String uuid) {
        for (Member m : hz.getCluster().getMembers()) {
            if (m.getUuid().toString().equals(uuid)) {
                return m;
            }
        }
        return null;
    }

    private static SessionState state(String clientId, SessionRecord rec) {
        List<SessionState.Subscription> subs = rec.subscriptions == null ? List.of()
                : ClusterWire.read(rec.subscriptions, in -> {
                    int n = in.readInt();
                    List<SessionState.Subscription> out = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        out.add(ClusterWire.readSubscription(in));
                    }
                    return out;
                });
        return new SessionState(clientId, rec.protocolLevel, rec.expirySeconds, subs, List.of());
    }

    // ---------------------------------------------------------------- the records this node writes

    void attached(String clientId, MqttVersion version, long expirySeconds, Packet.Will will) {
        Local l = local.computeIfAbsent(clientId, k -> new Local());
        synchronized (l) {
            l.connected = true;
            l.expirySeconds = expirySeconds;
            l.protocolLevel = version.level();
            l.will = null;
            l.willDelay = 0;
            if (will != null) {
                Properties props = will.properties();
                long now = System.nanoTime();
                long expiry = props.has(PropertyId.MESSAGE_EXPIRY_INTERVAL)
                        ? now + props.longValue(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0) * 1_000_000_000L
                        : Long.MAX_VALUE;
                l.willDelay = version.isV5() ? props.longValue(PropertyId.WILL_DELAY_INTERVAL, 0) : 0;
                if (props.has(PropertyId.WILL_DELAY_INTERVAL)) {
                    props = props.toBuilder().remove(PropertyId.WILL_DELAY_INTERVAL).build();
                }
                l.will = ClusterWire.message(new Message(will.topic(), will.payload(), will.qos(), will.retain(),
                        props, clientId, now, expiry));
            }
        }
        write(clientId, l);
    }

    void subscribed(String clientId, SessionState.Subscription sub) {
        Local l = local.computeIfAbsent(clientId, k -> new Local());
        synchronized (l) {
            l.subscriptions.put(sub.filter(), sub);
        }
        write(clientId, l);
    }

    void unsubscribed(String clientId, String filter) {
        Local l = local.get(clientId);
        if (l == null) {
            return;
        }
        synchronized (l) {
            if (l.subscriptions.remove(filter) == null) {
                return;
            }
        }
        write(clientId, l);
    }

    void detached(String clientId, boolean ended) {
        releaseClaim(clientId);
        Local l = local.get(clientId);
        if (l == null || ended) {
            return;
        }
        synchronized (l) {
            l.connected = false;
            l.will = null; // published (or scheduled) here already
        }
        write(clientId, l);
    }

    void ended(String clientId) {
        Local l = local.remove(clientId);
        if (l == null || handingOver.contains(clientId)) {
            return;
        }
        state.execute(() -> records.executeOnKey(clientId, new RemoveIfOwner(self)));
    }

    /** A connect that claimed the client id ended before it wrote its record: the claim goes. */
    private void releaseClaim(String clientId) {
        String token = claims.remove(clientId);
        if (token != null) {
            state.execute(() -> records.executeOnKey(clientId, new ReleaseClaim(token)));
        }
    }

    /** The node id that the cluster's session record names as the owner of {@code clientId}, or null. */
    String ownerNode(String clientId) {
        SessionRecord rec = records.get(clientId);
        return rec == null || rec.owner == null ? null : rec.ownerNode;
    }

    /** This node shuts down cleanly: its sessions' records say offline, without a will, for the survivor. */
    void leaving() {
        records.executeOnEntries(new MarkOffline(), Predicates.equal("owner", self));
    }

    /**
     * After a split brain healed, on the node that merged (member UUID {@code old} before, now a new one): the
     * merged session map (the record updated last per client id wins, {@code LatestUpdateMergePolicy}) decides
     * who owns a client id that was connected in both halves, except that a client connected here keeps its
     * session against a copy the other half adopted offline when it lost this half. A local session whose record
     * names another live member gives way (its connection is closed as taken over, MQTT 5 0x8E); the others are written again under
     * the new UUID; then every member checks its own sessions against the records the same way
     * ({@link OwnershipCheck}), so each client id has one owner afterwards.
     */
    void merged(String old) {
        self = hz.getCluster().getLocalMember().getUuid().toString();
        state.execute(() -> {
            for (String clientId : new ArrayList<>(local.keySet())) {
                SessionRecord rec = records.get(clientId);
                Local l = local.get(clientId);
                if (l == null) {
                    continue;
                }
                boolean connectedHere;
                synchronized (l) {
                    connectedHere = l.connected;
                }
                boolean elsewhere = rec != null && rec.owner != null && !rec.owner.equals(old)
                        && !rec.owner.equals(self) && member(rec.owner) != null;
                // a client connected here beats a copy the other half only adopted (offline) during the split
                if (elsewhere && (rec.connected || !connectedHere)) {
                    giveWay(clientId, rec);
                } else {
                    write(clientId, l);
                }
            }
            // after our writes (this thread runs them in order): the other members check theirs
            state.execute(() -> executor.submitToAllMembers(new OwnershipCheck()));
        });
    }

    /** On every member after a merge: local sessions whose record names another live member give way. */
    void checkOwnership() {
        state.execute(() -> {
            for (String clientId : new ArrayList<>(local.keySet())) {
                SessionRecord rec = records.get(clientId);
                if (rec != null && rec.owner != null && !rec.owner.equals(self) && member(rec.owner) != null) {
                    giveWay(clientId, rec);
                }
            }
        });
    }

    private void giveWay(String clientId, SessionRecord rec) {
        ClusterNode.LOG.info("Cluster: after the split brain, session {} belongs to node {}; closing it here.",
                clientId, rec.ownerNode);
        local.remove(clientId);
        handingOver.add(clientId); // its end here must not remove the winner's record
        endpoint.handOver(clientId).whenComplete((st, e) -> handingOver.remove(clientId));
    }

    private void write(String clientId, Local l) {
        SessionRecord r = new SessionRecord();
        synchronized (l) {
            r.owner = self;
            r.ownerNode = nodeId;
            r.connected = l.connected;
            r.expirySeconds = l.expirySeconds;
            r.protocolLevel = l.protocolLevel;
            r.will = l.will;
            r.willDelaySeconds = l.willDelay;
            List<SessionState.Subscription> subs = new ArrayList<>(l.subscriptions.values());
            r.subscriptions = ClusterWire.write(out -> {
                out.writeInt(subs.size());
                for (SessionState.Subscription s : subs) {
                    ClusterWire.writeSubscription(out, s);
                }
            });
        }
        state.execute(() -> {
            if (local.get(clientId) == l) {
                // the first write after this node's connect ends its claim; another node's claim stays
                records.executeOnKey(clientId, new WriteRecord(r, claims.remove(clientId)));
            }
        });
    }

    // ---------------------------------------------------------------- a node died

    /**
     * Called on the oldest survivor when {@code dead} left: publishes the wills of the clients that were connected
     * there and adopts its persistent sessions; clean sessions' records are removed.
     */
    void nodeDied(UUID dead, String deadNode) {
        state.execute(() -> {
            int wills = 0;
            int adopted = 0;
            for (Map.Entry<String, SessionRecord> e
                    : records.entrySet(Predicates.equal("owner", dead.toString()))) {
                String clientId = e.getKey();
                SessionRecord rec = e.getValue();
                if (rec.connected && rec.will != null) {
                    publishWill(clientId, rec);
                    wills++;
                }
                boolean claimed = rec.claimToken != null && member(rec.claimant) != null
                        && rec.claimUntil > hz.getCluster().getClusterTime();
                if (rec.expirySeconds != 0 && claimed) {
                    continue; // its client is connecting to another node right now, which takes it from the record
                }
                if (rec.expirySeconds != 0) {
                    SessionState s = state(clientId, rec);
                    Local l = new Local();
                    l.expirySeconds = rec.expirySeconds;
                    l.protocolLevel = rec.protocolLevel;
                    s.subscriptions().forEach(sub -> l.subscriptions.put(sub.filter(), sub));
                    if (local.putIfAbsent(clientId, l) == null) {
                        write(clientId, l);
                        endpoint.adopt(s);
                        adopted++;
                    }
                } else {
                    records.executeOnKey(clientId, new RemoveIfOwner(dead.toString()));
                }
            }
            ClusterNode.LOG.info("Cluster: took over {} sessions and published {} wills of node {}.", adopted, wills,
                    deadNode);
        });
    }

    private void publishWill(String clientId, SessionRecord rec) {
        Message will = ClusterWire.message(rec.will);
        long delay = rec.expirySeconds >= 0 ? Math.min(rec.willDelaySeconds, rec.expirySeconds)
                : rec.willDelaySeconds;
        if (delay <= 0) {
            endpoint.publish(will);
            return;
        }
        timer.schedule(() -> {
            // back within the will delay (on any node): no will [MQTT-3.1.3-9]
            SessionRecord now = records.get(clientId);
            if (now == null || !now.connected) {
                endpoint.publish(will);
            }
        }, delay, TimeUnit.SECONDS);
    }
}
