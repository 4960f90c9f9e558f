package io.tern.broker;

import io.netty.util.concurrent.EventExecutor;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker's state for one client id: subscriptions, the outbound queue and in-flight window, and
 * inbound QoS 2 packet ids awaiting PUBREL. All of it is touched only on {@link #executor()}, the event
 * loop of the client's connection (or of its last connection while offline); other threads hand
 * deliveries over with {@link #offer(Delivery)}.
 */
public final class Session {

    /** An outbound QoS 1/2 message the client has not finished acknowledging. */
    static final class Inflight {
        final Delivery delivery;
        /** true once PUBREC arrived and PUBREL was sent (QoS 2 second half). */
        boolean released;

        Inflight(Delivery delivery) {
            this.delivery = delivery;
        }
    }

    private final Broker broker;
    private final String clientId;
    /** The protocol handler of the connection currently bound, or null; guarded by the executor. */
    ProtocolHandler owner;
    /** A delayed MQTT 5 will waiting to be published, cancelled if the client returns in time. */
    io.netty.util.concurrent.ScheduledFuture<?> pendingWill;
    Message pendingWillMessage;
    private volatile EventExecutor executor;

    private Connection connection;
    private MqttVersion version = MqttVersion.MQTT_3_1_1;
    private String username;
    /** The listener of the latest connection: its ACL decides what this session may read, online or not. */
    private io.tern.broker.config.ListenerConfig listener;
    /** Seconds the session outlives its connection; 0 = ends with it, -1 = never expires. */
    private long expirySeconds;
    private long disconnectedAtNanos;

    final Map<String, Subscriber> subscriptions = new HashMap<>();

    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    private long queuedBytes;
    private final LinkedHashMap<Integer, Inflight> inflight = new LinkedHashMap<>();
    private int nextPacketId = 1;
    /** How many QoS 1/2 messages the client lets us have un-acknowledged (its Receive Maximum). */
    private int sendQuota;
    private boolean droppingLogged;

    /** Inbound QoS 2 packet ids received but not yet released [MQTT-4.3.3-10]. */
    final java.util.Set<Integer> inboundQos2 = new java.util.HashSet<>();

    Session(Broker broker, String clientId, EventExecutor executor) {
        this.broker = broker;
        this.clientId = clientId;
        this.executor = executor;
        this.sendQuota = broker.settings().maxInflightMessages();
    }

    public String clientId() { return clientId; }

    public EventExecutor executor() { return executor; }

    public String username() { return username; }

    Connection connection() { return connection; }

    boolean connected() { return connection != null; }

    MqttVersion version() { return version; }

    long expirySeconds() { return expirySeconds; }

    long disconnectedAtNanos() { return disconnectedAtNanos; }

    int queuedCount() { return queue.size(); }

    int inflightCount() { return inflight.size(); }

    /** Moves ownership to another event loop; call on the current owner, nothing may be in the air. */
    void moveTo(EventExecutor newExecutor) { this.executor = newExecutor; }

    /** Binds a new connection; call on the session's executor. */
    void attach(Connection conn, MqttVersion v, String user, long expiry, int clientReceiveMaximum) {
        this.connection = conn;
        this.version = v;
        this.username = user;
        this.listener = conn.listener();
        this.expirySeconds = expiry;
        int window = broker.settings().maxInflightMessages();
        if (window <= 0) {
            window = 65535;
        }
        this.sendQuota = Math.min(window, clientReceiveMaximum);
        this.droppingLogged = false;
    }

    /** Unbinds the connection when it is gone; the session then queues for its return or expires. */
    void detach() {
        this.connection = null;
        this.disconnectedAtNanos = System.nanoTime();
    }

    void expirySeconds(long seconds) { this.expirySeconds = seconds; }

    /**
     * Resends un-acknowledged messages with DUP [MQTT-4.4.0-1] and PUBRELs, in their original order,
     * then drains the queue. Called after CONNACK when a session is resumed.
     */
    void resume() {
        for (Map.Entry<Integer, Inflight> e : inflight.entrySet()) {
            Inflight f = e.getValue();
            if (f.released) {
                connection.send(new Packet.PubRel(e.getKey(), 0, Properties.EMPTY));
            } else {
                sendPublish(e.getKey(), f.delivery, true);
            }
        }
        drain();
    }

    /** Hands a delivery to this session from any thread. */
    public void offer(Delivery d) {
        EventExecutor ex = executor;
        if (ex.inEventLoop()) {
            deliver(d);
        } else {
            ex.execute(() -> deliver(d));
        }
    }

    private void deliver(Delivery d) {
        if (!executor.inEventLoop()) {
            // the session moved to another loop while this task waited
            offer(d);
            return;
        }
        if (broker.sessions().get(clientId) != this) {
            return; // ended or replaced by a clean session meanwhile
        }
        if (listener != null
                && !broker.security(listener).authorizer().canRead(clientId, username, d.message().topic())) {
            // the ACL's read rule, per message as Mosquitto checks it; a granted filter may cover denied topics
            return;
        }
        if (connection == null) {
            if (d.qos() == 0 && !broker.settings().queueQos0Messages()) {
                broker.stats().publishDropped.increment();
                return;
            }
            enqueue(d);
            return;
        }
        if (!queue.isEmpty() || !connection.isWritable()) {
            enqueue(d);
            return;
        }
        if (d.qos() == 0) {
            sendPublish(0, d, false);
        } else if (inflight.size() < sendQuota) {
            int id = allocatePacketId();
            inflight.put(id, new Inflight(d));
            sendPublish(id, d, false);
        } else {
            enqueue(d);
        }
    }

    private void enqueue(Delivery d) {
        int maxMessages = broker.settings().maxQueuedMessages();
        long maxBytes = broker.settings().maxQueuedBytes();
        int w = d.weight();
        if ((maxMessages > 0 && queue.size() >= maxMessages) || (maxBytes > 0 && queuedBytes + w > maxBytes)) {
            broker.stats().publishDropped.increment();
            if (!droppingLogged) {
                droppingLogged = true;
                Log.NOTICE.info("Outgoing messages are being dropped for client {}.", clientId);
            }
            return;
        }
        queue.add(d);
        queuedBytes += w;
    }

    /** Sends queued messages while the window and the socket allow. */
    void drain() {
        if (connection == null) {
            return;
        }
        long now = System.nanoTime();
        while (!queue.isEmpty() && connection.isWritable()) {
            Delivery d = queue.peek();
            if (d.qos() > 0 && inflight.size() >= sendQuota) {
                break;
            }
            queue.poll();
            queuedBytes -= d.weight();
            if (d.message().expired(now)) {
                continue;
            }
            if (d.qos() == 0) {
                sendPublish(0, d, false);
            } else {
                int id = allocatePacketId();
                inflight.put(id, new Inflight(d));
                sendPublish(id, d, false);
            }
        }
        if (queue.isEmpty()) {
            droppingLogged = false;
        }
    }

    private int allocatePacketId() {
        for (int tries = 0; tries < 65535; tries++) {
            int id = nextPacketId;
            nextPacketId = nextPacketId == 65535 ? 1 : nextPacketId + 1;
            if (!inflight.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free packet id");
    }

    private void sendPublish(int packetId, Delivery d, boolean dup) {
        Message m = d.message();
        Properties props = m.properties();
        if (version.isV5()) {
            if (d.subscriptionIds() != null || m.expiryNanos() != Long.MAX_VALUE) {
                Properties.Builder b = props.toBuilder();
                if (d.subscriptionIds() != null) {
                    for (int sid : d.subscriptionIds()) {
                        b.subscriptionIdentifier(sid);
                    }
                }
                if (m.expiryNanos() != Long.MAX_VALUE) {
                    // forward the remaining lifetime, not the original [MQTT-3.3.2-6]
                    long left = Math.max(0, (m.expiryNanos() - System.nanoTime()) / 1_000_000_000L);
                    b.put(PropertyId.MESSAGE_EXPIRY_INTERVAL, left);
                }
                props = b.build();
            }
        } else {
            props = Properties.EMPTY;
        }
        Packet.Publish p = new Packet.Publish(m.topic(), d.qos(), d.retain(), dup, packetId, m.payload(), props);
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Sending PUBLISH to {} (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))", clientId,
                    dup ? 1 : 0, d.qos(), d.retain() ? 1 : 0, packetId, m.topic(), m.payload().length);
        }
        connection.send(p);
        broker.stats().messageSent(m.payload().length);
    }

    /** PUBACK from the client: QoS 1 delivery complete. */
    void onPubAck(int packetId) {
        Inflight f = inflight.get(packetId);
        if (f != null && f.delivery.qos() == 1) {
            inflight.remove(packetId);
            drain();
        }
    }

    /** PUBREC from the client: answer PUBREL and wait for PUBCOMP. */
    void onPubRec(int packetId, int reasonCode) {
        Inflight f = inflight.get(packetId);
        if (f == null || f.delivery.qos() != 2) {
            // unknown id: still release it so the client can finish [MQTT-4.3.3]
            connection.send(new Packet.PubRel(packetId, version.isV5() ? 0x92 : 0, Properties.EMPTY));
            return;
        }
        if (reasonCode >= 0x80) {
            // MQTT 5: the client refused the message; the flow ends here
            inflight.remove(packetId);
            drain();
            return;
        }
        f.released = true;
        connection.send(new Packet.PubRel(packetId, 0, Properties.EMPTY));
    }

    /** PUBCOMP from the client: QoS 2 delivery complete. */
    void onPubComp(int packetId) {
        Inflight f = inflight.get(packetId);
        if (f != null && f.released) {
            inflight.remove(packetId);
            drain();
        }
    }

    /** The socket can take more output again. */
    void onWritable() {
        drain();
    }

    /** Drops everything: a clean session ends, or an expired one is discarded. */
    void clear() {
        queue.clear();
        queuedBytes = 0;
        inflight.clear();
        inboundQos2.clear();
        subscriptions.clear();
    }

    /** Removes expired messages from the queue (called from the periodic sweep). */
    void expireQueued(long now) {
        Iterator<Delivery> it = queue.iterator();
        while (it.hasNext()) {
            Delivery d = it.next();
            if (d.message().expired(now)) {
                it.remove();
                queuedBytes -= d.weight();
            }
        }
    }

    @Override
    public String toString() {
        return "Session[" + clientId + "]";
    }
}
