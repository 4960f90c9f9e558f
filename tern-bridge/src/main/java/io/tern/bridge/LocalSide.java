package io.tern.bridge;

import io.netty.util.concurrent.EventExecutor;
import io.tern.broker.Broker;
import io.tern.broker.LocalConnection;
import io.tern.broker.Log;
import io.tern.broker.config.BridgeConfig;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A bridge's side in this broker: an in-process MQTT 5 client ({@link LocalConnection}) with the bridge's
 * local client id. It subscribes to the {@code out} topics (No Local, Retain As Published, as Mosquitto's
 * bridge context) and publishes what arrives on the {@code in} topics.
 *
 * <p>A QoS 1/2 delivery for the remote broker is forwarded under the packet id the local session gave it and
 * acknowledged to the local session step by step as the remote broker acknowledges it: PUBACK after the remote's,
 * for QoS 2 PUBREC after the remote's PUBREC, the local PUBREL goes on as the remote PUBREL, the remote's PUBCOMP
 * comes back as the local PUBCOMP. So the local session's in-flight state, in the store with persistence on, is
 * the remote flow's: a remote that is down, or a restart or crash of this broker, loses nothing and duplicates
 * nothing (the session resends the PUBLISH with its id and DUP, which a remote that has it recognises, or only
 * the PUBREL). All on the bridge's event loop.
 */
final class LocalSide implements LocalConnection.Peer {

    /** Where out-going messages go; implemented by {@link Bridge}. */
    interface Forwarder {
        /** Whether the remote broker is connected now. */
        boolean remoteUp();

        /**
         * Hands a delivery to the remote session, QoS 1/2 under its packet id; false when the remote is not
         * connected. {@code done} runs on the loop once the remote acknowledged it (PUBACK, for QoS 2 PUBREC), over
         * this connection or a later one, with null, or with why not (a refusal carries the remote's reason code).
         */
        boolean forward(Packet.Publish p, java.util.function.Consumer<Throwable> done);

        /**
         * Hands the local session's PUBREL for {@code packetId} to the remote session (also for a message this run
         * did not forward: the PUBREC came before a restart); false when the remote is not connected. {@code done}
         * runs on the loop at the remote's PUBCOMP.
         */
        boolean release(int packetId, Runnable done);

        /** A delivery is waiting for the remote (lazy start counts them). */
        void waiting(int count);

        /** This broker completed the release of the remote's QoS 2 message {@code packetId}: PUBCOMP to the remote. */
        void completed(int packetId);
    }

    private final Broker broker;
    private final BridgeConfig cfg;
    private final EventExecutor loop;
    private final Forwarder forwarder;
    private LocalConnection conn;
    private boolean connected;
    private boolean stopped;

    /** Deliveries from the local session not yet acknowledged to it, by its packet id, in arrival order. */
    private final LinkedHashMap<Integer, Packet.Publish> held = new LinkedHashMap<>();
    /** Which of {@link #held} the remote session has (it sends them again itself after a reconnect). */
    private final Set<Integer> forwarded = new HashSet<>();
    /** Local PUBRELs (the remote PUBREC'd) not yet answered with PUBCOMP, and which the remote session has. */
    private final Set<Integer> releases = new HashSet<>();
    private final Set<Integer> releasesForwarded = new HashSet<>();
    /** QoS 2 deliveries acknowledged without the remote (dropped): their local PUBREL is answered at once. */
    private final Set<Integer> localOnly = new HashSet<>();
    /** QoS 0 deliveries kept for a lazy bridge until it connects. */
    private final ArrayDeque<Packet.Publish> heldQos0 = new ArrayDeque<>();

    /** Messages from the remote broker on their way into this one. */
    private final ArrayDeque<In> inWaiting = new ArrayDeque<>();
    private final Map<Integer, In> inFlight = new HashMap<>();
    /** The remote's QoS 2 ids it released (PUBREL) that this broker has not completed yet. */
    private final Set<Integer> releasing = new HashSet<>();
    /**
     * Whether a message from the remote goes in with the remote's packet id (the remote session is kept): this
     * broker then holds a QoS 2 id until the remote's PUBREL, in the store with persistence, so a PUBLISH the
     * remote sends again after a restart of this broker is recognised as the duplicate it is [MQTT-4.3.3-3].
     */
    private final boolean remoteIds;
    /**
     * What the first CONNACKs of this run said: whether the local session came back from the store (it may hold
     * QoS 2 ids of the remote's from before a restart, which this side no longer knows) and whether the remote's
     * session is new (it will release none of them); null until known.
     */
    private Boolean localResumed;
    private Boolean remoteFresh;

    /** A message from the remote on its way in; {@code stored} acknowledges it to the remote. */
    private static final class In {
        final int remoteId;
        Packet.Publish publish;
        final Runnable stored;
        boolean acknowledged;

        In(int remoteId, Packet.Publish publish, Runnable stored) {
            this.remoteId = remoteId;
            this.publish = publish;
            this.stored = stored;
        }

        /** This broker has the message (PUBACK, PUBREC: durable when persistence is on): tell the remote once. */
        void done() {
            if (!acknowledged) {
                acknowledged = true;
                stored.run();
            }
        }
    }
    private int inWindow = 65535;
    private int nextId = 1;

    LocalSide(Broker broker, BridgeConfig cfg, EventExecutor loop, Forwarder forwarder) {
        this.broker = broker;
        this.cfg = cfg;
        this.loop = loop;
        this.forwarder = forwarder;
        this.remoteIds = !cfg.cleanSession();
    }

    /** Opens the local connection: CONNECT as the bridge's local client, then SUBSCRIBE to the out topics. */
    void open() {
        connected = false;
        conn = broker.openLocal(loop, "bridge " + cfg.name(), this);
        Properties.Builder p = Properties.builder().put(PropertyId.RECEIVE_MAXIMUM, 65535);
        if (!cfg.localCleanSession()) {
            p.put(PropertyId.SESSION_EXPIRY_INTERVAL, 0xFFFFFFFFL);
        }
        byte[] password = cfg.localPassword() == null ? null : cfg.localPassword().getBytes(StandardCharsets.UTF_8);
        conn.receive(new Packet.Connect(MqttVersion.MQTT_5, cfg.localClientId(), cfg.localCleanSession(), 0,
                cfg.localUsername(), password, null, p.build()));
    }

    /**
     * Subscribes to the out topics (again). With {@code retained} the matching retained messages come too, as
     * Mosquitto queues them to the remote at every connect of the bridge; without, the subscription is made
     * (or kept) and nothing retained is sent, as when the local side connects.
     */
    void subscribe(boolean retained) {
        List<Packet.Subscription> subs = new ArrayList<>();
        for (BridgeConfig.Topic t : cfg.topics()) {
            if (t.direction().out()) {
                if (Log.DEBUG.isDebugEnabled()) {
                    Log.DEBUG.debug("Bridge {} doing local SUBSCRIBE on topic {}", cfg.localClientId(), t.localTopic());
                }
                subs.add(new Packet.Subscription(t.localTopic(), t.qos(), true, true, retained ? 0 : 2));
            }
        }
        if (!subs.isEmpty() && conn != null && !conn.isClosed()) {
            conn.receive(new Packet.Subscribe(freeId(), subs, Properties.EMPTY));
        }
    }

    /** The remote broker is connected (again): everything held goes to it. */
    void remoteUp() {
        while (!heldQos0.isEmpty()) {
            forwarder.forward(heldQos0.pollFirst(), e -> { });
        }
        for (Map.Entry<Integer, Packet.Publish> e : new ArrayList<>(held.entrySet())) {
            send(e.getKey(), e.getValue());
        }
        for (int id : new ArrayList<>(releases)) {
            sendRelease(id);
        }
    }

    /**
     * A packet id from the local session's delivery numbering, for the remote SUBSCRIBEs (and notifications): the
     * forwarded deliveries keep theirs, so one numbering serves both, as Mosquitto's bridge context has; 0 while
     * the local side is not connected.
     */
    int takePacketId() {
        return connected && conn != null && !conn.isClosed() ? conn.takePacketId() : 0;
    }

    /** The remote broker went away: what the remote session has it sends again itself. */
    void remoteDown() {
    }

    /**
     * Publishes a message that came from the remote broker, as a client of this broker would; {@code stored}
     * runs once this broker acknowledged it (after the store's sync with persistence on), so the remote
     * broker keeps the message until then.
     */
    void publish(String topic, int qos, boolean retain, byte[] payload, Properties props, int remoteId,
                 Runnable stored) {
        Properties p = props;
        if (p.has(PropertyId.TOPIC_ALIAS) || p.has(PropertyId.SUBSCRIPTION_IDENTIFIER)) {
            p = p.toBuilder().remove(PropertyId.TOPIC_ALIAS).remove(PropertyId.SUBSCRIPTION_IDENTIFIER).build();
        }
        inWaiting.addLast(new In(remoteId, new Packet.Publish(topic, qos, retain, false, 0, payload, p), stored));
        drainIn();
    }

    private void drainIn() {
        while (connected && !inWaiting.isEmpty()
                && (inWaiting.peekFirst().publish.qos() == 0 || inFlight.size() < inWindow)) {
            In in = inWaiting.pollFirst();
            Packet.Publish p = in.publish;
            if (p.qos() > 0) {
                int id = remoteIds && in.remoteId > 0 ? in.remoteId : freeId();
                in.publish = p.withPacketId(id, p.qos(), p.retain(), false);
                inFlight.put(id, in);
                conn.receive(in.publish);
            } else {
                conn.receive(p);
                in.done();
            }
        }
    }

    private int freeId() {
        for (int i = 0; i < 65535; i++) {
            int id = nextId;
            nextId = nextId == 65535 ? 1 : nextId + 1;
            if (!inFlight.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free packet id");
    }

    /**
     * The remote released its QoS 2 message {@code packetId} (PUBREL): so does this broker, under the same id,
     * also when this side no longer knows the message (after a restart the store does); PUBCOMP to the remote
     * follows this broker's.
     */
    void release(int packetId) {
        releasing.add(packetId);
        if (connected && conn != null && !conn.isClosed()) {
            conn.receive(new Packet.PubRel(packetId, 0, Properties.EMPTY));
        }
    }

    /**
     * The remote session is not there any more (it answered Session Present 0): it releases nothing, so this
     * broker lets go of the QoS 2 ids it still holds for it.
     */
    void remoteConnected(boolean sessionPresent) {
        if (remoteFresh == null) {
            remoteFresh = !sessionPresent;
            releaseForgotten();
        }
        if (!sessionPresent) {
            remoteSessionLost();
        }
    }

    /**
     * A local session from before a restart and a new remote session: whatever QoS 2 ids this broker still holds
     * for the remote would never be released and would swallow the new session's messages that reuse them, so
     * they are released (the ids the local session holds, {@link LocalConnection#awaitingRelease()}, but those
     * of this run). Before any message of the new remote session goes in: the PUBRELs go first on the same
     * connection.
     */
    private void releaseForgotten() {
        if (!remoteIds || !Boolean.TRUE.equals(localResumed) || !Boolean.TRUE.equals(remoteFresh) || !connected
                || conn == null || conn.isClosed()) {
            return;
        }
        localResumed = false; // once
        for (int id : new java.util.TreeSet<>(conn.awaitingRelease())) {
            if (!inFlight.containsKey(id) && !releasing.contains(id)) {
                conn.receive(new Packet.PubRel(id, 0, Properties.EMPTY));
            }
        }
    }

    private void remoteSessionLost() {
        for (In in : new ArrayList<>(inFlight.values())) {
            if (in.acknowledged && in.publish.qos() == 2 && !releasing.contains(in.publish.packetId())
                    && connected && !conn.isClosed()) {
                conn.receive(new Packet.PubRel(in.publish.packetId(), 0, Properties.EMPTY)); // no PUBCOMP to send on
            }
        }
    }

    int heldCount() {
        return held.size() + heldQos0.size();
    }

    void stop() {
        stopped = true;
        if (conn != null) {
            conn.disconnect();
        }
    }

    // ---------------------------------------------------------------- from the broker

    @Override
    public void onPacket(Packet packet) {
        // after the broker's current step: answering from inside it (PUBCOMP while it sends PUBREL, SUBSCRIBE
        // while it sends CONNACK) would re-enter the session mid-change
        loop.execute(() -> handle(packet));
    }

    private void handle(Packet packet) {
        if (packet instanceof Packet.ConnAck a) {
            onConnAck(a);
        } else if (packet instanceof Packet.Publish p) {
            if (p.qos() == 0) {
                onDelivery(p);
            } else {
                // its packet id goes to the remote: only once the store has it, so that after a crash the
                // session resends it under that id (not as a new delivery under another)
                whenStored(() -> onDelivery(p));
            }
        } else if (packet instanceof Packet.PubRel r) {
            // the PUBREL goes to the remote only once the store has this PUBREC: after a crash the session
            // resends the PUBREL, not the PUBLISH the remote would take as new
            whenStored(() -> onRelease(r.packetId()));
        } else if (packet instanceof Packet.PubAck a) {
            In in = inFlight.remove(a.packetId());
            if (in != null) {
                in.done(); // with a refusal (ACL of local_username) too: sending it again would not help
            }
            drainIn();
        } else if (packet instanceof Packet.PubRec r) {
            In in = r.reasonCode() >= 0x80 ? inFlight.remove(r.packetId()) : inFlight.get(r.packetId());
            if (in != null) {
                in.done();
            }
            if (r.reasonCode() < 0x80 && !(remoteIds && in != null)) {
                conn.receive(new Packet.PubRel(r.packetId(), 0, Properties.EMPTY));
            } // with the remote's id: PUBREL when the remote sends its own (release)
            drainIn();
        } else if (packet instanceof Packet.PubComp c) {
            inFlight.remove(c.packetId());
            if (remoteIds && releasing.remove(c.packetId())) {
                // the remote forgets the id at PUBCOMP: only once the store forgot it too, or after a crash the
                // restored session would hold an id the remote never releases, and swallow its next use
                int id = c.packetId();
                whenStored(() -> forwarder.completed(id));
            }
            drainIn();
        } else if (packet instanceof Packet.SubAck s) {
            for (int code : s.reasonCodes()) {
                if (code >= 0x80) {
                    Log.WARNING.warn("Bridge {}: local SUBSCRIBE refused (reason 0x{}); check the ACL of"
                            + " local_username.", cfg.name(), Integer.toHexString(code));
                }
            }
        } else if (packet instanceof Packet.Disconnect d) {
            Log.NOTICE.info("Bridge {}: local broker sent DISCONNECT 0x{}.", cfg.name(),
                    Integer.toHexString(d.reasonCode()));
        }
    }

    /** Runs {@code then} once the local store has what the broker just did, on this connection only. */
    private void whenStored(Runnable then) {
        LocalConnection c = conn;
        c.afterStored(() -> {
            if (c == conn && !c.isClosed()) {
                then.run();
            } // otherwise the session sends it again on the next connection
        });
    }

    private void onConnAck(Packet.ConnAck a) {
        if (a.reasonCode() >= 0x80) {
            Log.ERROR.error("Bridge {}: the local broker refused its connection (reason 0x{}).", cfg.name(),
                    Integer.toHexString(a.reasonCode()));
            return;
        }
        connected = true;
        if (localResumed == null) {
            localResumed = a.sessionPresent();
        }
        inWindow = a.properties().intValue(PropertyId.RECEIVE_MAXIMUM, 65535);
        // a local session that was not resumed has no subscriptions yet
        subscribe(false);
        // what went in before the local side reconnected goes again, first; a QoS 2 message this broker has
        // (PUBREC) stays in flight until the remote releases it
        List<In> again = new ArrayList<>(inFlight.values());
        inFlight.clear();
        for (int i = again.size() - 1; i >= 0; i--) {
            In in = again.get(i);
            if (!in.acknowledged) {
                inWaiting.addFirst(in);
            } else if (remoteIds && in.publish.qos() == 2) {
                inFlight.put(in.publish.packetId(), in);
            }
        }
        for (int id : releasing) {
            conn.receive(new Packet.PubRel(id, 0, Properties.EMPTY));
        }
        releaseForgotten();
        drainIn();
    }

    private void onDelivery(Packet.Publish p) {
        if (p.qos() == 0) {
            if (forwarder.remoteUp()) {
                forwarder.forward(p, e -> { });
            } else if (cfg.startType() == BridgeConfig.StartType.LAZY
                    && heldQos0.size() < Math.max(cfg.threshold(), 1000)) {
                heldQos0.addLast(p);
                forwarder.waiting(heldCount());
            }
            // otherwise dropped, as Mosquitto drops QoS 0 for an offline bridge
            return;
        }
        if (!forwarder.remoteUp() && cfg.localCleanSession()) {
            // Mosquitto queues nothing for a bridge with a clean local session while it is down
            dropLocally(p);
            return;
        }
        if (forwarded.contains(p.packetId())) {
            // the same delivery again (its id is in flight): the remote session has it, and its acknowledgement
            // of the first copy acknowledges this one
            return;
        }
        held.put(p.packetId(), p);
        if (forwarder.remoteUp()) {
            send(p.packetId(), p);
        } else {
            forwarder.waiting(heldCount());
        }
    }

    private void send(int id, Packet.Publish p) {
        if (forwarded.contains(id)) {
            return; // in the remote session already
        }
        if (forwarder.forward(p, error -> acknowledged(id, p, error))) {
            forwarded.add(id);
        }
    }

    /**
     * The remote broker has the message (PUBACK, PUBREC) or refused it: so the local session hears, with the
     * remote's reason code. Another failure (the remote client was gone) leaves it held for the next connection.
     */
    private void acknowledged(int id, Packet.Publish p, Throwable error) {
        if (held.get(id) != p) {
            return;
        }
        forwarded.remove(id);
        int rc = 0;
        if (error != null) {
            Throwable t = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (!(t instanceof io.tern.client.MqttClientException m) || m.reasonCode() < 0x80) {
                return; // not sent: goes again when the remote is up
            }
            rc = m.reasonCode(); // refused: trying again will not help
        }
        held.remove(id);
        acknowledgeLocally(p, rc);
    }

    /** Acknowledges a delivery locally; a QoS 2 one whose remote flow ends here too with {@code localOnly}. */
    private void acknowledgeLocally(Packet.Publish p, int reasonCode) {
        if (conn == null || conn.isClosed()) {
            return;
        }
        conn.receive(p.qos() == 1 ? new Packet.PubAck(p.packetId(), reasonCode, Properties.EMPTY)
                : new Packet.PubRec(p.packetId(), reasonCode, Properties.EMPTY));
    }

    /** A delivery dropped without the remote (a clean local session): its QoS 2 flow ends locally. */
    private void dropLocally(Packet.Publish p) {
        if (p.qos() == 2) {
            localOnly.add(p.packetId());
        }
        acknowledgeLocally(p, 0);
    }

    /**
     * The local session's PUBREL: the remote PUBREC'd that message (in this run, or before a restart, when the
     * session resends only the PUBREL). It goes on as the remote PUBREL, and the remote's PUBCOMP comes back as
     * the local one, so the local session keeps the message's state until the remote flow has ended.
     */
    private void onRelease(int id) {
        if (localOnly.remove(id)) {
            conn.receive(new Packet.PubComp(id, 0, Properties.EMPTY));
            return;
        }
        releases.add(id);
        sendRelease(id);
    }

    private void sendRelease(int id) {
        if (releasesForwarded.contains(id) || !forwarder.remoteUp()) {
            return; // in the remote session already, or when the remote is up
        }
        LocalConnection c = conn;
        if (forwarder.release(id, () -> {
            if (c == conn && releases.remove(id)) {
                releasesForwarded.remove(id);
                c.receive(new Packet.PubComp(id, 0, Properties.EMPTY));
            }
        })) {
            releasesForwarded.add(id);
        }
    }

    /** A clean local session at a new connection attempt: what waits for the remote is dropped, as Mosquitto does. */
    void discardHeld() {
        List<Packet.Publish> drop = new ArrayList<>(held.values());
        held.clear();
        forwarded.clear();
        heldQos0.clear();
        drop.forEach(this::dropLocally);
    }

    @Override
    public void onClosed() {
        connected = false;
        held.clear();
        forwarded.clear();
        // the session resends its PUBRELs after the reconnect; the remote session keeps what it has
        releases.clear();
        releasesForwarded.clear();
        localOnly.clear();
        if (!stopped) {
            // takeover by a client with the same id, or the broker is shutting down: try again shortly
            loop.schedule(() -> {
                if (!stopped) {
                    open();
                }
            }, 1, TimeUnit.SECONDS);
        }
    }
}
