package io.tern.broker;

import io.netty.util.concurrent.EventExecutor;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The broker's state for one client id: subscriptions, the outbound queue and in-flight window, and
 * inbound QoS 2 packet ids awaiting PUBREL. All of it is touched only on {@link #executor()}, the event
 * loop of the client's connection (or of its last connection while offline); other threads hand
 * deliveries over with {@link #offer(Delivery)}.
 *
 * <p>A broker may hold many idle sessions, so what most never use (subscriptions, inbound QoS 2 ids, the
 * publishers it paused) is made on first use, and its counters are fields, not atomic objects.
 */
public final class Session {

    /** An outbound QoS 1/2 message the client has not finished acknowledging. */
    static final class Inflight {
        final Delivery delivery;
        /** Send order, for resending in the original order after a reconnect. */
        final long order;
        /** true once PUBREC arrived and PUBREL was sent (QoS 2 second half). */
        boolean released;

        Inflight(Delivery delivery, long order) {
            this.delivery = delivery;
            this.order = order;
        }
    }

    final Broker broker;
    private final String clientId;
    /** The protocol handler of the connection currently bound, or null; guarded by the executor. */
    ProtocolHandler owner;
    /** A delayed MQTT 5 will waiting to be published, cancelled if the client returns in time. */
    io.netty.util.concurrent.ScheduledFuture<?> pendingWill;
    Message pendingWillMessage;
    private volatile EventExecutor executor;

    private Connection connection;
    /** Whether a connection is bound; read by other loops to prefer connected shared-subscription members. */
    private volatile boolean online;
    private MqttVersion version = MqttVersion.MQTT_3_1_1;
    private volatile String username;
    /** The listener of the latest connection: its ACL decides what this session may read, online or not. */
    private volatile io.tern.broker.config.ListenerConfig listener;
    /** Seconds the session outlives its connection; 0 = ends with it, -1 = never expires. */
    private volatile long expirySeconds;
    private volatile long disconnectedAtNanos;
    /** Flow control towards publishers, see {@link PublisherFlow}. */
    volatile boolean congested;
    volatile long lastProgressNanos;
    /** The publishers this session paused; made by the first pause, from any loop. */
    volatile java.util.concurrent.ConcurrentLinkedQueue<Connection> pausedPublishers;
    /** Deliveries handed over from other loops and not yet run here (see {@link PublisherFlow}). */
    volatile int inTransit;

    /** Whether the queue may hold messages with an expiry, so the periodic sweep has work here. */
    private volatile boolean mayHaveExpiring;

    /** By the filter subscribed with; null until the first subscription. */
    private Map<String, Subscriber> subscriptions;

    /** The subscriptions by filter, to read (empty until the first). */
    Map<String, Subscriber> subscriptions() { return subscriptions == null ? Map.of() : subscriptions; }

    void putSubscription(String filter, Subscriber s) {
        if (subscriptions == null) {
            subscriptions = new HashMap<>();
        }
        subscriptions.put(filter, s);
    }

    Subscriber removeSubscription(String filter) {
        return subscriptions == null ? null : subscriptions.remove(filter);
    }

    final ArrayDeque<Delivery> queue = new ArrayDeque<>(1); // the smallest: it grows on demand
    long queuedBytes;
    /** Outbound QoS 1/2 messages by packet id, in an array indexed by the id (no boxing, no hashing). */
    final InflightWindow inflight = new InflightWindow();
    long inflightOrder;
    /** How many QoS 1/2 messages the client lets us have un-acknowledged (its Receive Maximum). */
    private volatile int sendQuota;
    private boolean droppingLogged;
    /** The client's Topic Alias Maximum (MQTT 5); aliases we assigned on the current connection. */
    private int clientTopicAliasMax;
    private HashMap<String, Integer> outAliases;
    /** The client's Maximum Packet Size (MQTT 5), 0 = protocol limit. */
    private long clientMaxPacketSize;

    /** How many durable entries are paged into memory at a time. */
    static final int PAGE = 256;
    /**
     * Guards {@link #lastSeq}: durable entries are written in sequence order (see {@link Durability}). The
     * session itself (nothing else locks it): no lock object per session.
     */
    final Object storeLock = this;
    /** The highest durable queue sequence used. */
    long lastSeq;
    /** Durable entries not yet completed (queued or in flight), for max_queued_messages. */
    volatile long durableCount;

    long durableCount() { return durableCount; }

    void addDurable(long delta) { PublisherFlow.DURABLE.addAndGet(this, delta); }
    /** The highest durable sequence loaded into memory; entries after it wait on disk. */
    long pagedUpTo;
    /** Whether durable entries after {@link #pagedUpTo} may be waiting on disk. */
    private boolean needPage;
    /** Whether QoS 1/2 deliveries to this session are stored (persistence on and the session outlives its connection). */
    volatile boolean durable;

    /** Inbound QoS 2 packet ids received but not yet released [MQTT-4.3.3-10]; null until the first. */
    private java.util.Set<Integer> inboundQos2;

    boolean awaitingRelease(int packetId) { return inboundQos2 != null && inboundQos2.contains(packetId); }

    int awaitingReleaseCount() { return inboundQos2 == null ? 0 : inboundQos2.size(); }

    void awaitRelease(int packetId) {
        if (inboundQos2 == null) {
            inboundQos2 = new java.util.HashSet<>();
        }
        inboundQos2.add(packetId);
    }

    /** Whether {@code packetId} was awaiting its PUBREL (it is not any more). */
    boolean released(int packetId) { return inboundQos2 != null && inboundQos2.remove(packetId); }

    /** The inbound QoS 2 packet ids awaiting their PUBREL, a copy. */
    java.util.Set<Integer> awaitingRelease() {
        return inboundQos2 == null ? java.util.Set.of() : java.util.Set.copyOf(inboundQos2);
    }

    /**
     * Takes the next packet id of this session's delivery numbering for the client's own use, so deliveries go
     * on after it (as {@link #skipPacketId} does for an expired message).
     */
    int takePacketId() {
        return inflight.allocate();
    }

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

    /** For the admin API: when the current connection was bound, and its keep-alive in seconds. */
    volatile long connectedAtMillis;
    volatile int keepAlive;

    /** The listener of the latest connection, or null (never connected since a restart, or made by the API). */
    io.tern.broker.config.ListenerConfig listener() { return listener; }

    /** Set when the registry discards this session; deliveries still on their way are dropped then. */
    volatile boolean ended;

    /** Whether the client is connected; safe from any thread (it may be stale by the time it is used). */
    public boolean online() { return online; }

    MqttVersion version() { return version; }

    long expirySeconds() { return expirySeconds; }

    long disconnectedAtNanos() { return disconnectedAtNanos; }

    int queuedCount() { return queue.size(); }

    /** The client's receive window; read across threads for durable queue limits (a stale value is fine). */
    int sendQuota() { return sendQuota; }

    /** Whether QoS 1/2 deliveries to this session go to the durable store; safe from any thread. */
    public boolean durable() { return durable; }

    /** Marks the session durable or not (persistence on and an expiry other than 0). */
    void durable(boolean d) { this.durable = d; }

    /** After a restart: the session as stored, offline. */
    void restore(MqttVersion v, long expiry, long disconnectedAt) {
        this.version = v;
        this.expirySeconds = expiry;
        this.disconnectedAtNanos = disconnectedAt;
    }

    /** After a restart: durable entries are waiting on disk. */
    void restoreQueue(long lastSeq, long count) {
        synchronized (storeLock) {
            this.lastSeq = lastSeq;
        }
        this.durableCount = count;
        this.needPage = count > 0;
    }

    int inflightCount() { return inflight.size(); }

    /** Moves ownership to another event loop; call on the current owner, nothing may be in the air. */
    void moveTo(EventExecutor newExecutor) { this.executor = newExecutor; }

    /**
     * Whether the ACL of the listener this client last connected through lets it read {@code topic}; the
     * router asks per message, from the publisher's thread, as Mosquitto checks read access per delivery.
     */
    boolean mayRead(String topic) {
        io.tern.broker.config.ListenerConfig l = listener;
        return l == null || broker.security(l).authorizer().canRead(clientId, username, topic);
    }

    /** Binds a new connection; call on the session's executor. */
    void attach(Connection conn, MqttVersion v, String user, long expiry, int clientReceiveMaximum) {
        this.connection = conn;
        this.online = true;
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
        this.connectedAtMillis = System.currentTimeMillis();
    }

    /** Unbinds the connection when it is gone; the session then queues for its return or expires. */
    void detach(boolean handOverShared) {
        this.connection = null;
        this.online = false;
        this.congested = false;
        PublisherFlow.resumePublishers(this);
        this.disconnectedAtNanos = System.nanoTime();
        if (handOverShared) {
            SessionHandOver.shared(this);
        }
    }

    void expirySeconds(long seconds) { this.expirySeconds = seconds; }

    /** What the client's CONNECT allows us to send (MQTT 5); aliases start afresh with each connection. */
    void clientLimits(int topicAliasMax, long maxPacketSize) {
        this.clientTopicAliasMax = topicAliasMax;
        this.outAliases = topicAliasMax > 0 ? new HashMap<>() : null;
        this.clientMaxPacketSize = maxPacketSize;
    }

    /**
     * Resends un-acknowledged messages with DUP [MQTT-4.4.0-1] and PUBRELs, in their original order,
     * then drains the queue. Called after CONNACK when a session is resumed.
     */
    void resume() {
        int[] ids = inflight.ids();
        int n = ids.length;
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = ids[i];
        }
        java.util.Arrays.sort(boxed, java.util.Comparator.comparingLong(id -> inflight.get(id).order));
        long now = System.nanoTime();
        // the ACL may have changed while the client was away (SIGHUP): what it may no longer read is dropped,
        // in flight and queued, as Mosquitto re-checks at every connect
        recheckAcl = true;
        for (int id : boxed) {
            Inflight f = inflight.get(id);
            if (!f.released && !mayRead(f.delivery.message().topic())) {
                inflight.remove(id);
                forget(f.delivery);
            } else if (!f.released && f.delivery.message().expired(now)) {
                // expired while the client was away: not resent, as Mosquitto does (allowed once delivery
                // has started, [MQTT-3.3.2-5] binds only before)
                inflight.remove(id);
                forget(f.delivery);
            } else if (f.released) {
                connection.send(new Packet.PubRel(id, 0, Properties.EMPTY));
            } else if (!sendPublish(id, f.delivery, true)) {
                inflight.remove(id);
                forget(f.delivery);
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
            PublisherFlow.IN_TRANSIT.incrementAndGet(this);
            ex.execute(() -> {
                PublisherFlow.IN_TRANSIT.decrementAndGet(this);
                deliver(d);
                PublisherFlow.delivered(this);
            });
        }
    }

    private void deliver(Delivery d) {
        if (!executor.inEventLoop()) {
            // the session moved to another loop while this task waited
            offer(d);
            return;
        }
        if (ended) {
            return; // ended or replaced by a clean session meanwhile
        }
        if (d.message().expiryNanos() != Long.MAX_VALUE && d.message().expired(System.nanoTime())) {
            forget(d); // [MQTT-3.3.2-5]: an expired message is not delivered
            DeliveryEvents.expired(broker, clientId, d);
            skipPacketId(d);
            return;
        }
        if (d.seq() != 0) {
            if (d.seq() <= pagedUpTo) {
                return; // already read back from the store
            }
            // take it straight from the publisher while memory has room, in sequence order: publishers on
            // other event loops may hand over seq n+1 before seq n, so a few wait in a reorder buffer;
            // otherwise it waits on disk and is paged in order
            if (connection != null && !congested) {
                checkCongestion();
            }
            // a connected session keeps up to its high-water mark in memory (flow control bounds it): spilling
            // at a page made every short write stall page the entries just written back from the store
            if (needPage || connection == null || queue.size() >= highWater()
                    || (d.seq() != pagedUpTo + 1 && reorder != null && reorder.size() >= PAGE)) {
                spill();
                return;
            }
            if (d.seq() != pagedUpTo + 1) {
                if (reorder == null) {
                    reorder = new java.util.TreeMap<>();
                }
                reorder.put(d.seq(), d);
                return;
            }
            pagedUpTo = d.seq();
            accept(d);
            Delivery next;
            while (reorder != null && !reorder.isEmpty() && (next = reorder.remove(pagedUpTo + 1)) != null) {
                pagedUpTo = next.seq();
                accept(next);
            }
            return;
        }
        accept(d);
    }

    /** Durable deliveries beyond {@link #pagedUpTo} stay on disk from now on and are paged in order. */
    private void spill() {
        needPage = true;
        if (reorder != null) {
            reorder.clear(); // all of them are in the store, after pagedUpTo
        }
        if (connection != null) {
            drain();
        }
    }

    /** Whether queued deliveries are checked against the ACL again as they are sent (after a connect). */
    private boolean recheckAcl;

    /** Out-of-order durable deliveries waiting for the ones before them (see {@link #deliver}). */
    private java.util.TreeMap<Long, Delivery> reorder;

    /** The in-memory path: send now, or queue behind what is waiting. */
    private void accept(Delivery d) {
        if (connection == null) {
            if (d.qos() == 0 && !broker.settings().queueQos0Messages()) {
                broker.stats().publishDropped.increment();
                DeliveryEvents.dropped(broker, clientId, d, io.tern.broker.extension.MessageObserver.Drop.OFFLINE_QOS0);
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
        } else if (windowOpen(d)) {
            sendNew(d);
        } else {
            enqueue(d);
        }
    }

    /**
     * Whether a QoS 1/2 delivery may go in flight now: the client's Receive Maximum and max_inflight_messages,
     * and with {@code max_inflight_bytes} the payload bytes already in flight (one message always may).
     */
    private boolean windowOpen(Delivery d) {
        if (inflight.size() >= sendQuota) {
            return false;
        }
        long maxBytes = broker.settings().maxInflightBytes();
        if (maxBytes <= 0 || inflight.isEmpty()) {
            return true;
        }
        long bytes = d.message().payload().length;
        for (int id : inflight.ids()) {
            bytes += inflight.get(id).delivery.message().payload().length;
        }
        return bytes <= maxBytes;
    }

    /** Sends a QoS 1/2 delivery under a fresh packet id and tracks it until acknowledged. */
    private void sendNew(Delivery d) {
        int id = inflight.allocate();
        inflight.put(id, new Inflight(d, inflightOrder++));
        if (d.seq() != 0) {
            // a resumed session resends unacknowledged messages under their original ids [MQTT-4.4.0-1],
            // after a restart too
            broker.durability().store().markSent(clientId, d.seq(), id);
        }
        if (!sendPublish(id, d, false)) {
            inflight.remove(id);
            forget(d);
        }
    }

    /** A delivery leaves the session for good: its durable entry goes too. */
    void forget(Delivery d) {
        if (d.seq() != 0) {
            broker.durability().dequeue(this, d.seq());
        }
    }

    private void enqueue(Delivery d) {
        if (d.seq() != 0) {
            // durable: its limit was applied when it was stored
            queue.add(d);
            queuedBytes += d.weight();
            noteExpiry(d);
            if (connection != null) {
                checkCongestion();
            }
            return;
        }
        int maxMessages = broker.settings().maxQueuedMessages();
        long maxBytes = broker.settings().maxQueuedBytes();
        int w = d.weight();
        if ((maxMessages > 0 && queue.size() >= maxMessages) || (maxBytes > 0 && queuedBytes + w > maxBytes)) {
            broker.stats().publishDropped.increment();
            DeliveryEvents.dropped(broker, clientId, d, io.tern.broker.extension.MessageObserver.Drop.QUEUE_FULL);
            if (!droppingLogged) {
                droppingLogged = true;
                Log.NOTICE.info("Outgoing messages are being dropped for client {}.", clientId);
            }
            return;
        }
        queue.add(d);
        queuedBytes += w;
        noteExpiry(d);
        if (connection != null) {
            checkCongestion();
        }
    }

    void noteExpiry(Delivery d) {
        if (d.message().expiryNanos() != Long.MAX_VALUE) {
            mayHaveExpiring = true;
        }
    }

    /** Whether publishers to this session should slow down now; safe from any thread. */
    boolean throttles() { return PublisherFlow.throttles(this); }

    /** Pauses a publisher's connection until this session drains; call on the publisher's loop. */
    void throttle(Connection publisher) { PublisherFlow.throttle(this, publisher); }

    private int highWater() { return PublisherFlow.highWater(this); }

    private void checkCongestion() { PublisherFlow.checkCongestion(this); }

    /** Whether the periodic sweep has anything to do for this session; safe from any thread. */
    boolean needsSweep() {
        long e = expirySeconds;
        return mayHaveExpiring
                || (!online && (e > 0 || (e < 0 && broker.settings().persistentClientExpiration() > 0)));
    }

    /** Sends queued messages while the window and the socket allow. */
    void drain() {
        if (connection == null) {
            return;
        }
        long now = System.nanoTime();
        while (connection != null && connection.isWritable()) {
            if (queue.isEmpty()) {
                if (needPage && inflight.size() < sendQuota) {
                    page(now);
                    if (queue.isEmpty()) {
                        break;
                    }
                    continue;
                }
                break;
            }
            Delivery d = queue.peek();
            if (d.qos() > 0 && !windowOpen(d)) {
                break;
            }
            queue.poll();
            queuedBytes -= d.weight();
            if (d.message().expired(now) || (recheckAcl && !mayRead(d.message().topic()))) {
                forget(d);
                DeliveryEvents.expired(broker, clientId, d);
                skipPacketId(d);
                continue;
            }
            if (d.qos() == 0) {
                sendPublish(0, d, false);
            } else {
                sendNew(d);
            }
        }
        if (queue.isEmpty()) {
            droppingLogged = false;
            if (!needPage) {
                recheckAcl = false; // all that was queued before the connect has been checked
            }
        }
        if (congested) {
            checkCongestion();
        }
    }

    /**
     * Reads the next durable entries into memory, in sequence order. Entries that were in flight before a
     * restart are resent at once with their packet ids (PUBREL for released QoS 2).
     */
    private void page(long now) {
        Durability dur = broker.durability();
        java.util.List<io.tern.broker.store.QueueEntry> entries = dur.store().readQueue(clientId, pagedUpTo, PAGE);
        if (entries.size() < PAGE) {
            // whatever is written after this read is offered to us afterwards, in order
            needPage = false;
        }
        for (io.tern.broker.store.QueueEntry e : entries) {
            pagedUpTo = e.seq();
            io.tern.broker.store.StoredMessage sm = e.message() != null ? e.message()
                    : dur.store().message(e.messageId());
            if (sm == null) {
                dur.dequeue(this, e.seq());
                continue;
            }
            Delivery d = new Delivery(Durability.fromStored(sm), e.qos(), e.retain(),
                    e.subscriptionIds().length == 0 ? null : e.subscriptionIds(), null, e.seq());
            if (e.packetId() != 0 && !inflight.containsKey(e.packetId())) {
                Inflight f = new Inflight(d, inflightOrder++);
                f.released = e.released();
                inflight.put(e.packetId(), f);
                if (f.released) {
                    connection.send(new Packet.PubRel(e.packetId(), 0, Properties.EMPTY));
                } else if (!sendPublish(e.packetId(), d, true)) {
                    inflight.remove(e.packetId());
                    forget(d);
                }
            } else if (d.message().expired(now)) {
                dur.dequeue(this, e.seq());
                skipPacketId(d);
            } else {
                queue.add(d);
                queuedBytes += d.weight();
                noteExpiry(d);
            }
        }
    }

    /**
     * A QoS 1/2 message that expired before it was sent still uses up the packet id it would have had:
     * Mosquitto numbers a client's messages as they are queued, so the next one sent has the id after it.
     */
    private void skipPacketId(Delivery d) {
        if (d.qos() > 0) {
            inflight.skip();
        }
    }

    /** Sends a PUBLISH; false when it was dropped because the client cannot take a packet that large. */
    private boolean sendPublish(int packetId, Delivery d, boolean dup) {
        Message m = d.message();
        Properties props = m.properties();
        String topic = m.topic();
        io.tern.broker.config.ListenerConfig via = listener;
        String mount = via == null ? null : via.mountPoint();
        if (mount != null && topic.startsWith(mount)) {
            topic = topic.substring(mount.length()); // the client sees its own topics, without the mount point
        }
        String shown = topic;
        boolean newAlias = false;
        if (version.isV5()) {
            if (d.subscriptionIds() != null || m.expiryNanos() != Long.MAX_VALUE) {
                Properties.Builder b = props.toBuilder();
                if (d.subscriptionIds() != null) {
                    for (int sid : d.subscriptionIds()) {
                        b.subscriptionIdentifier(sid);
                    }
                }
                if (m.expiryNanos() != Long.MAX_VALUE) {
                    // forward the remaining lifetime, not the original [MQTT-3.3.2-6]; rounded up, so a message
                    // forwarded within its last second is not announced as having 0 s left
                    long nanosLeft = m.expiryNanos() - System.nanoTime();
                    long left = nanosLeft <= 0 ? 0 : (nanosLeft + 999_999_999L) / 1_000_000_000L;
                    b.put(PropertyId.MESSAGE_EXPIRY_INTERVAL, left);
                }
                props = b.build();
            }
            if (outAliases != null) {
                // outbound topic aliases up to the client's Topic Alias Maximum [MQTT-3.3.2-9]
                Integer alias = outAliases.get(topic);
                if (alias != null) {
                    props = props.toBuilder().put(PropertyId.TOPIC_ALIAS, alias).build();
                    topic = "";
                } else if (outAliases.size() < clientTopicAliasMax) {
                    int a = outAliases.size() + 1;
                    outAliases.put(topic, a);
                    newAlias = true;
                    props = props.toBuilder().put(PropertyId.TOPIC_ALIAS, a).build();
                }
            }
        } else {
            props = Properties.EMPTY;
        }
        Packet.Publish p = new Packet.Publish(topic, d.qos(), d.retain(), dup, packetId, m.payload(), props);
        if (clientMaxPacketSize > 0 && io.tern.codec.MqttEncoder.encodedLength(p, version) > clientMaxPacketSize) {
            // [MQTT-3.1.2-25]: too large for this client: discard as if sent
            if (newAlias) {
                // the client never saw this alias
                outAliases.remove(shown);
            }
            broker.stats().publishDropped.increment();
            DeliveryEvents.dropped(broker, clientId, d, io.tern.broker.extension.MessageObserver.Drop.TOO_LARGE);
            return false;
        }
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Sending PUBLISH to {} (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))", clientId,
                    dup ? 1 : 0, d.qos(), d.retain() ? 1 : 0, packetId, m.topic(), m.payload().length);
        }
        connection.send(p);
        broker.stats().messageSent(m.payload().length);
        lastProgressNanos = System.nanoTime();
        DeliveryEvents.delivered(broker, clientId, d);
        return true;
    }

    /**
     * PUBACK from the client: QoS 1 delivery complete. Returns false when the id is in flight at QoS 2: the
     * client broke the QoS 2 flow [MQTT-4.3.3], and the connection closes, as in Mosquitto.
     */
    boolean onPubAck(int packetId) {
        Inflight f = inflight.get(packetId);
        if (f != null && f.delivery.qos() != 1) {
            return false;
        }
        if (f != null) {
            inflight.remove(packetId);
            forget(f.delivery);
            DeliveryEvents.acknowledged(broker, clientId, f.delivery);
            drain();
        }
        return true;
    }

    /**
     * PUBREC from the client: answer PUBREL and wait for PUBCOMP. Returns false when the id is in flight at
     * QoS 1 (a protocol error: the connection closes, as in Mosquitto).
     */
    boolean onPubRec(int packetId, int reasonCode) {
        Inflight f = inflight.get(packetId);
        if (f != null && f.delivery.qos() != 2) {
            return false;
        }
        if (f == null) {
            // unknown id: still release it so the client can finish [MQTT-4.3.3]
            // unknown id (a repeat after a reconnect): release it anyway, with success as Mosquitto does
            // (0x92 would be allowed too, MQTT 5 3.6.2.1)
            connection.send(new Packet.PubRel(packetId, 0, Properties.EMPTY));
            return true;
        }
        if (reasonCode >= 0x80) {
            // MQTT 5: the client refused the message; the flow ends here
            inflight.remove(packetId);
            forget(f.delivery);
            drain();
            return true;
        }
        f.released = true;
        if (f.delivery.seq() != 0) {
            broker.durability().store().markReleased(clientId, f.delivery.seq());
        }
        connection.send(new Packet.PubRel(packetId, 0, Properties.EMPTY));
        return true;
    }

    /**
     * PUBCOMP from the client: QoS 2 delivery complete. Returns false when the id is in flight at QoS 1 or
     * was never released by a PUBREC (a protocol error: the connection closes, as in Mosquitto).
     */
    boolean onPubComp(int packetId) {
        Inflight f = inflight.get(packetId);
        if (f != null && !f.released) {
            return false;
        }
        if (f != null) {
            inflight.remove(packetId);
            forget(f.delivery);
            DeliveryEvents.acknowledged(broker, clientId, f.delivery);
            drain();
        }
        return true;
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
        inboundQos2 = null;
        subscriptions = null;
    }

    /** Removes expired messages from the queue (called from the periodic sweep). */
    void expireQueued(long now) {
        if (!mayHaveExpiring) {
            return;
        }
        boolean more = false;
        Iterator<Delivery> it = queue.iterator();
        while (it.hasNext()) {
            Delivery d = it.next();
            if (d.message().expired(now)) {
                it.remove();
                queuedBytes -= d.weight();
                forget(d);
                DeliveryEvents.expired(broker, clientId, d);
                skipPacketId(d);
            } else if (d.message().expiryNanos() != Long.MAX_VALUE) {
                more = true;
            }
        }
        mayHaveExpiring = more;
    }

    /** Writes what a hand-over moved into memory to this node's store; see {@link SessionHandOver#storeImported}. */
    boolean storeImported(Durability dur) {
        return SessionHandOver.storeImported(this, dur);
    }

    /** Whether a hand-over put messages in memory that {@link #storeImported} has not stored yet. */
    boolean imported;

    @Override
    public String toString() {
        return "Session[" + clientId + "]";
    }
}
