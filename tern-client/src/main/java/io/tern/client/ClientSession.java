package io.tern.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The client's state machine and MQTT session state. Every field is touched only on the client's event loop
 * (public calls hop onto it), so nothing here needs a lock; the volatile fields are read-only views for
 * other threads.
 *
 * <pre>
 * DISCONNECTED --connect()--> CONNECTING --CONNACK ok--> CONNECTED --lost, reconnect on--> WAITING
 *      ^                          |  refused/failed (first attempt)      |   ^                    |
 *      +--------------------------+                                      |   +---attempt failed---+
 *      +<--DISCONNECTING<--disconnect()----------------------------------+   WAITING --timer--> CONNECTING
 * </pre>
 */
final class ClientSession {

    private static final System.Logger LOG = System.getLogger("io.tern.client");

    enum State { DISCONNECTED, CONNECTING, CONNECTED, WAITING, DISCONNECTING, CLOSED }

    private final ClientConfig cfg;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final EventLoop loop;
    private final boolean v5;

    private State state = State.DISCONNECTED;
    private volatile boolean connected;
    private volatile String clientId;
    private SslContext sslContext;
    private Channel channel;
    private boolean reconnecting; // the current CONNECTING is a reconnect attempt, not the user's connect()
    private boolean everConnected;
    private int reconnectAttempt;
    private Throwable lostCause;
    private ScheduledFuture<?> connackTimer;
    private ScheduledFuture<?> reconnectTimer;
    private ConnectResult lastResult;
    private final List<CompletableFuture<ConnectResult>> connectWaiters = new ArrayList<>();
    private final List<CompletableFuture<Void>> disconnectWaiters = new ArrayList<>();

    private int window;
    /** With a {@link SessionState} from the builder: the session outlives this client (a bridge's). */
    private final boolean sharedState;
    /** The session's state: the builder's when shared, this client's own otherwise. */
    private final SessionState session;
    private final PacketIds ids;
    private final LinkedHashMap<Integer, OutPublish> inflight;
    private final FixedIdFlows fixedIds = new FixedIdFlows(this);
    private final ArrayDeque<OutPublish> queued;
    private final Set<Integer> inboundQos2;
    /** Shared state after a CONNACK: the in-flight messages go again before anything new. */
    private boolean resendPending;
    /** Received QoS 1/2 packet ids whose acknowledgement waits for the application (manual acknowledgement). */
    private final LinkedHashMap<String, HeldSubscription> subscriptions = new LinkedHashMap<>();
    private final InboundMessages inbound;
    private final SubscriptionRequests requests;
    private final OutgoingTopicAliases outboundAliases;

    ClientSession(ClientConfig cfg) {
        this.cfg = cfg;
        this.v5 = cfg.version() == MqttVersion.MQTT_5;
        if (cfg.eventLoopGroup() != null) {
            this.group = cfg.eventLoopGroup();
            this.ownsGroup = false;
        } else {
            this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tern-client", true),
                    NioIoHandler.newFactory());
            this.ownsGroup = true;
        }
        this.loop = group.next();
        this.clientId = cfg.clientId().isEmpty() ? null : cfg.clientId();
        if (clientId == null && cfg.version() == MqttVersion.MQTT_3_1) {
            // MQTT 3.1 has no server-assigned identifiers: a 3.1 broker refuses an empty one [MQIsdp 3.1]
            StringBuilder id = new StringBuilder("tern-");
            ThreadLocalRandom r = ThreadLocalRandom.current();
            for (int i = 0; i < 16; i++) {
                id.append("0123456789abcdefghijklmnopqrstuvwxyz".charAt(r.nextInt(36)));
            }
            this.clientId = id.toString();
        }
        this.window = cfg.maxInflight();
        this.outboundAliases = new OutgoingTopicAliases(v5 ? cfg.topicAliasMaximum() : 0);
        SessionState st = cfg.sessionState() != null ? cfg.sessionState() : new SessionState();
        this.session = st;
        this.sharedState = cfg.sessionState() != null;
        this.ids = st.ids;
        this.inflight = st.inflight;
        this.queued = st.queued;
        this.inboundQos2 = st.inboundQos2;
        this.requests = new SubscriptionRequests(ids, v5, this::send, () -> state == State.CONNECTED,
                subscriptions);
        this.inbound = new InboundMessages(cfg, loop, new InboundMessages.Link() {
            @Override
            public void send(Packet p) {
                ClientSession.this.send(p);
            }

            @Override
            public void protocolError(String reason) {
                lostCause = new MqttClientException(reason);
                channel.close();
            }

            @Override
            public boolean connectedNow() {
                return channel != null && state == State.CONNECTED;
            }
        }, st, subscriptions);
    }

    ClientConfig config() {
        return cfg;
    }

    boolean isConnected() {
        return connected;
    }

    String clientId() {
        return clientId;
    }

    // ---------------------------------------------------------------- public operations, hopped onto the loop

    CompletableFuture<ConnectResult> connect() {
        CompletableFuture<ConnectResult> f = new CompletableFuture<>();
        run(() -> {
            switch (state) {
                case CLOSED -> f.completeExceptionally(new MqttClientException("client is closed"));
                case CONNECTED -> f.complete(lastResult);
                case CONNECTING, WAITING -> connectWaiters.add(f);
                case DISCONNECTING -> f.completeExceptionally(new MqttClientException("client is disconnecting"));
                case DISCONNECTED -> {
                    connectWaiters.add(f);
                    reconnecting = false;
                    open();
                }
            }
        }, f);
        return f;
    }

    CompletableFuture<Void> publish(MqttMessage message) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        run(() -> enqueue(new OutPublish(message, f), f), f);
        return f;
    }

    /** A publish under the application's packet id ({@link FixedIdFlows}). */
    CompletableFuture<Void> publish(MqttMessage message, int packetId, boolean dup) {
        return fixedIds.publish(message, packetId, dup);
    }

    /** PUBREL under the application's packet id ({@link FixedIdFlows}). */
    CompletableFuture<Void> release(int packetId) {
        return fixedIds.release(packetId);
    }

    void enqueue(OutPublish o, CompletableFuture<Void> f) {
        switch (state) {
            case CONNECTED -> {
                queued.addLast(o);
                drain();
            }
            case CONNECTING, WAITING -> {
                if (!bufferFull(f)) {
                    queued.addLast(o);
                }
            }
            default -> f.completeExceptionally(notConnected());
        }
    }

    CompletableFuture<SubscribeResult> subscribe(List<Packet.Subscription> subs, Properties props,
                                                 MessageHandler handler) {
        CompletableFuture<SubscribeResult> f = new CompletableFuture<>();
        run(() -> {
            if (state != State.CONNECTED && state != State.CONNECTING && state != State.WAITING) {
                f.completeExceptionally(notConnected());
                return;
            }
            if (state != State.CONNECTED && bufferFull(f)) {
                return;
            }
            // Registered before the SUBACK: a broker may send retained messages right behind it.
            for (Packet.Subscription s : subs) {
                subscriptions.put(s.filter(), new HeldSubscription(s, props, handler));
            }
            requests.submit(new PendingRequest(subs, null, props, handler, f, null));
        }, f);
        return f;
    }

    CompletableFuture<UnsubscribeResult> unsubscribe(List<String> filters, Properties props) {
        CompletableFuture<UnsubscribeResult> f = new CompletableFuture<>();
        run(() -> {
            if (state != State.CONNECTED && state != State.CONNECTING && state != State.WAITING) {
                f.completeExceptionally(notConnected());
                return;
            }
            if (state != State.CONNECTED && bufferFull(f)) {
                return;
            }
            for (String filter : filters) {
                subscriptions.remove(filter);
            }
            requests.submit(new PendingRequest(null, filters, props, null, null, f));
        }, f);
        return f;
    }

    CompletableFuture<Void> disconnect(int reasonCode, Properties props) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        run(() -> {
            cancel(reconnectTimer);
            switch (state) {
                case CONNECTED -> {
                    state = State.DISCONNECTING;
                    disconnectWaiters.add(f);
                    Channel ch = channel;
                    send(new Packet.Disconnect(reasonCode, v5 ? props : Properties.EMPTY))
                            .addListener(x -> ch.close());
                }
                case CONNECTING -> {
                    state = State.DISCONNECTING;
                    disconnectWaiters.add(f);
                    if (channel != null) {
                        channel.close();
                    } else {
                        finishDisconnect();
                    }
                }
                case DISCONNECTING -> disconnectWaiters.add(f);
                case WAITING -> {
                    disconnectWaiters.add(f);
                    finishDisconnect();
                }
                default -> f.complete(null);
            }
        }, f);
        return f;
    }

    void abort() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        run(() -> {
            cancel(reconnectTimer);
            disconnectWaiters.add(f);
            if (channel != null && (state == State.CONNECTED || state == State.CONNECTING)) {
                state = State.DISCONNECTING;
                channel.close();
            } else if (state != State.CLOSED && state != State.DISCONNECTING) {
                finishDisconnect();
            }
        }, f);
        waitQuietly(f);
    }

    void close() {
        if (!loop.inEventLoop()) {
            waitQuietly(disconnect(0, Properties.EMPTY));
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        run(() -> {
            cancel(reconnectTimer);
            if (channel != null) {
                channel.close();
            }
            state = State.CLOSED;
            failAll(new MqttClientException("client is closed"));
            f.complete(null);
        }, f);
        if (!loop.inEventLoop()) {
            waitQuietly(f);
        }
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** The outgoing flow in flight under {@code packetId}, or null. */
    OutPublish inflight(int packetId) {
        return inflight.get(packetId);
    }

    /** Whether a packet sent now goes out in order (connected, and no resend after a CONNACK pending). */
    boolean sendsNow() {
        return state == State.CONNECTED && !resendPending;
    }

    // ---------------------------------------------------------------- connection life

    private void open() {
        state = State.CONNECTING;
        lostCause = null;
        if (cfg.secure() && cfg.tls() != null && cfg.tls().isPsk()) {
            try {
                PskTls.check(cfg.tls());
            } catch (RuntimeException e) {
                connectFailed(new MqttClientException("TLS setup failed: " + e.getMessage(), e));
                return;
            }
        } else if (cfg.secure() && sslContext == null) {
            try {
                sslContext = TlsContexts.forClient(cfg.tls() == null ? TlsSettings.system() : cfg.tls());
            } catch (Exception e) {
                connectFailed(new MqttClientException("TLS setup failed: " + e.getMessage(), e));
                return;
            }
        }
        ChannelFuture cf;
        try {
            cf = Transport.connect(cfg, loop, sslContext, channelHandler());
        } catch (RuntimeException e) {
            connectFailed(e);
            return;
        }
        channel = cf.channel();
        cf.addListener(x -> {
            if (!x.isSuccess() && cf.channel() == channel) {
                channel = null;
                connectFailed(x.cause());
            }
        });
        connackTimer = loop.schedule(() -> {
            if (state == State.CONNECTING && channel == cf.channel()) {
                lostCause = new MqttClientException("no CONNACK within " + cfg.connectTimeout().toSeconds() + " s");
                cf.channel().close();
            }
        }, cfg.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The transport is up (TCP connected, TLS and WebSocket handshakes done): send CONNECT. */
    void transportReady(Channel ch) {
        if (ch != channel || state != State.CONNECTING) {
            return;
        }
        Packet.Will will = cfg.will();
        if (will != null && !v5 && !will.properties().isEmpty()) {
            will = new Packet.Will(will.topic(), will.payload(), will.qos(), will.retain(), Properties.EMPTY);
        }
        send(new Packet.Connect(cfg.version(), clientId == null ? "" : clientId, cfg.cleanStart(), cfg.keepAlive(),
                cfg.username(), cfg.password(), will, v5 ? cfg.connectProperties() : Properties.EMPTY));
    }

    private void onConnAck(Packet.ConnAck ack) {
        cancel(connackTimer);
        if (state != State.CONNECTING) {
            lostCause = new MqttClientException("protocol error: unexpected CONNACK");
            channel.close();
            return;
        }
        boolean refused = v5 ? ack.reasonCode() >= 0x80 : ack.reasonCode() != 0;
        if (refused) {
            lostCause = new ConnectionRefusedException(cfg.version(), ack.reasonCode());
            channel.close();
            return;
        }
        Properties p = ack.properties();
        String assigned = p.stringValue(PropertyId.ASSIGNED_CLIENT_IDENTIFIER);
        if (assigned != null) {
            clientId = assigned;
        }
        window = Math.min(cfg.maxInflight(), p.intValue(PropertyId.RECEIVE_MAXIMUM, 65535));
        int keepAlive = p.intValue(PropertyId.SERVER_KEEP_ALIVE, cfg.keepAlive());
        if (keepAlive > 0) {
            // Ping after keepAlive of silence on our side; give up when the broker stays silent 1.5 times that
            // (the broker's own limit [MQTT-3.1.2-24]), which a lost PINGRESP would otherwise hide.
            channel.pipeline().addFirst("keep-alive",
                    new IdleStateHandler(keepAlive * 3000L / 2, keepAlive * 1000L, 0, TimeUnit.MILLISECONDS));
        }
        state = State.CONNECTED;
        connected = true;
        reconnectAttempt = 0;
        everConnected = true;
        inbound.connected();
        outboundAliases.connected(p.intValue(PropertyId.TOPIC_ALIAS_MAXIMUM, 0)); // before any resend
        restoreSession(ack.sessionPresent());
        lastResult = new ConnectResult(ack.sessionPresent(), ack.reasonCode(), clientId, p);
        List<CompletableFuture<ConnectResult>> waiters = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        waiters.forEach(w -> w.complete(lastResult));
        if (cfg.listener() != null) {
            try {
                cfg.listener().connected(lastResult);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "connection listener failed", e);
            }
        }
        requests.resume();
        drain();
    }

    /**
     * After a CONNACK: with a resumed session resend what is unacknowledged as the spec asks [MQTT-4.4.0-1];
     * with a new one, the broker forgot our packet ids and subscriptions, so requeue the messages as new
     * publishes (at least once still holds) and subscribe again.
     */
    private void restoreSession(boolean sessionPresent) {
        requests.restore(!sharedState && !sessionPresent);
        if (sharedState) {
            // Mosquitto's bridge: in-flight messages go again with their ids whatever Session Present says,
            // after what the application sends on CONNACK (its SUBSCRIBEs come first, as Mosquitto's)
            Channel ch = channel;
            resendPending = true;
            loop.execute(() -> {
                if (ch == channel && state == State.CONNECTED) {
                    resendPending = false;
                    resendInflight();
                    drain();
                }
            });
        } else if (sessionPresent) {
            resendInflight();
        } else {
            inboundQos2.clear();
            List<OutPublish> again = new ArrayList<>(inflight.values());
            inflight.clear();
            for (int i = again.size() - 1; i >= 0; i--) {
                OutPublish o = again.get(i);
                ids.release(o.packetId);
                o.packetId = 0;
                o.released = false;
                queued.addFirst(o);
            }
        }
    }

    private void resendInflight() {
        for (OutPublish o : inflight.values()) {
            if (o.released) {
                send(new Packet.PubRel(o.packetId, 0, Properties.EMPTY));
            } else if (o.received) {
                // PUBREC'd, the application has not released it yet: its PUBREL follows then
                continue;
            } else {
                send(publishPacket(o, true));
            }
        }
    }

    void onChannelInactive(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        inbound.disconnected(sharedState);
        connected = false;
        cancel(connackTimer);
        switch (state) {
            case CONNECTING -> connectFailed(lostCause != null ? lostCause
                    : new MqttClientException("connection closed by the broker before CONNACK"));
            case CONNECTED -> {
                Throwable cause = lostCause != null ? lostCause : new MqttClientException("connection lost");
                if (cfg.listener() != null) {
                    try {
                        cfg.listener().connectionLost(cause);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "connection listener failed", e);
                    }
                }
                if (cfg.automaticReconnect()) {
                    scheduleReconnect();
                } else {
                    state = State.DISCONNECTED;
                    failAll(cause);
                }
            }
            case DISCONNECTING -> finishDisconnect();
            default -> {
            }
        }
    }

    private void connectFailed(Throwable cause) {
        cancel(connackTimer);
        if (state == State.DISCONNECTING) {
            finishDisconnect();
            return;
        }
        if (state == State.CLOSED) {
            return;
        }
        if (reconnecting) {
            scheduleReconnect();
            return;
        }
        state = State.DISCONNECTED;
        failAll(cause);
    }

    private void scheduleReconnect() {
        state = State.WAITING;
        reconnectAttempt++;
        long initial = Math.max(1, cfg.reconnectInitialDelay().toMillis());
        long max = Math.max(initial, cfg.reconnectMaxDelay().toMillis());
        long base = initial << Math.min(reconnectAttempt - 1, 20);
        long delay = Math.min(max, base);
        // "Equal jitter": half fixed, half random, so a broker restart is not met by every client at once.
        long jittered = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        if (cfg.listener() != null) {
            try {
                cfg.listener().reconnecting(reconnectAttempt, Duration.ofMillis(jittered));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "connection listener failed", e);
            }
        }
        reconnectTimer = loop.schedule(() -> {
            if (state == State.WAITING) {
                reconnecting = true;
                open();
            }
        }, jittered, TimeUnit.MILLISECONDS);
    }

    private void finishDisconnect() {
        state = State.DISCONNECTED;
        connected = false;
        failAll(new MqttClientException("client disconnected"));
        List<CompletableFuture<Void>> waiters = new ArrayList<>(disconnectWaiters);
        disconnectWaiters.clear();
        waiters.forEach(w -> w.complete(null));
        if (cfg.listener() != null) {
            try {
                cfg.listener().disconnected();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "connection listener failed", e);
            }
        }
    }

    private void failAll(Throwable cause) {
        List<CompletableFuture<ConnectResult>> waiters = new ArrayList<>(connectWaiters);
        connectWaiters.clear();
        waiters.forEach(w -> w.completeExceptionally(cause));
        if (!sharedState) {
            session.failOutgoing(cause);
            inboundQos2.clear();
        }
        requests.failAll(cause);
    }

    // ---------------------------------------------------------------- outgoing flows

    private void drain() {
        while (state == State.CONNECTED && !resendPending && !queued.isEmpty()) {
            OutPublish o = queued.peekFirst();
            if (o.qos() == 0) {
                queued.pollFirst();
                send(publishPacket(o, false)).addListener(x -> {
                    if (x.isSuccess()) {
                        o.future.complete(null);
                    } else {
                        o.future.completeExceptionally(new MqttClientException("write failed", x.cause()));
                    }
                });
                continue;
            }
            if (inflight.size() >= window) {
                return;
            }
            int id;
            if (o.fixedId) {
                id = o.packetId;
                if (ids.inUse(id)) {
                    return; // a SUBSCRIBE (or another flow) has the id: this waits until it completes, in order
                }
                ids.claim(id);
            } else {
                id = ids.acquire();
                if (id < 0) {
                    return;
                }
            }
            queued.pollFirst();
            o.packetId = id;
            inflight.put(id, o);
            send(o.released ? new Packet.PubRel(id, 0, Properties.EMPTY) : publishPacket(o, o.dup));
        }
    }

    private Packet.Publish publishPacket(OutPublish o, boolean dup) {
        MqttMessage m = o.message;
        return outboundAliases.apply(new Packet.Publish(m.topic(), m.qos(), m.retain(), dup && m.qos() > 0,
                o.packetId, m.payload(), v5 ? m.properties() : Properties.EMPTY));
    }

    ChannelFuture send(Packet p) {
        if (cfg.trace() != null) {
            try {
                cfg.trace().sent(clientId, p);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "packet trace failed", e);
            }
        }
        return channel.writeAndFlush(p);
    }

    // ---------------------------------------------------------------- incoming packets

    void onPacket(Packet packet) {
        if (cfg.trace() != null) {
            String id = clientId;
            if (packet instanceof Packet.ConnAck a
                    && a.properties().stringValue(PropertyId.ASSIGNED_CLIENT_IDENTIFIER) != null) {
                id = a.properties().stringValue(PropertyId.ASSIGNED_CLIENT_IDENTIFIER); // as libmosquitto logs it
            }
            try {
                cfg.trace().received(id, packet);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "packet trace failed", e);
            }
        }
        if (packet instanceof Packet.ConnAck a) {
            onConnAck(a);
        } else if (packet instanceof Packet.Publish p) {
            inbound.onPublish(p);
        } else if (packet instanceof Packet.PubAck a) {
            OutPublish o = inflight.get(a.packetId());
            if (o != null && o.qos() == 1) {
                complete(o, a.reasonCode(), a.properties());
            }
        } else if (packet instanceof Packet.PubRec r) {
            OutPublish o = inflight.get(r.packetId());
            if (o == null || o.qos() != 2) {
                // an id this client does not know: 0x92, except in a bridge's session, where Mosquitto says 0
                send(new Packet.PubRel(r.packetId(), v5 && !sharedState ? 0x92 : 0, Properties.EMPTY));
            } else if (v5 && r.reasonCode() >= 0x80) {
                complete(o, r.reasonCode(), r.properties());
            } else if (o.fixedId) {
                fixedIds.onPubRec(o);
            } else {
                o.released = true;
                send(new Packet.PubRel(r.packetId(), 0, Properties.EMPTY));
            }
        } else if (packet instanceof Packet.PubComp c) {
            OutPublish o = inflight.get(c.packetId());
            if (o != null && o.qos() == 2 && (o.released || !o.fixedId)) {
                complete(o, c.reasonCode(), c.properties());
            }
        } else if (packet instanceof Packet.PubRel r) {
            inbound.onPubRel(r.packetId());
            if (session.releases != null) {
                session.releases.accept(r.packetId()); // PUBCOMP once the application released it onwards
            } else {
                send(new Packet.PubComp(r.packetId(), 0, Properties.EMPTY));
            }
        } else if (packet instanceof Packet.SubAck a) {
            requests.onSubAck(a);
            drain(); // a publish under the application's id may wait for this one's id
        } else if (packet instanceof Packet.UnsubAck a) {
            requests.onUnsubAck(a);
            drain();
        } else if (packet instanceof Packet.PingReq) {
            // Not a server's packet, but Mosquitto answers one on its bridges (a remote broker may be a
            // client library underneath): answering costs nothing, closing would drop a working link
            send(Packet.PingResp.INSTANCE);
        } else if (packet instanceof Packet.PingResp) {
            // the read itself resets the keep-alive reader timer
        } else if (packet instanceof Packet.Disconnect d) {
            lostCause = new MqttClientException("broker sent DISCONNECT: " + ReasonCodes.describe(d.reasonCode())
                    + reasonString(d.properties()), d.reasonCode());
            channel.close();
        } else {
            lostCause = new MqttClientException("protocol error: unexpected " + packet.type() + " from broker");
            channel.close();
        }
    }

    private static String reasonString(Properties p) {
        String s = p.stringValue(PropertyId.REASON_STRING);
        return s == null ? "" : " (" + s + ")";
    }

    private void complete(OutPublish o, int reasonCode, Properties props) {
        inflight.remove(o.packetId);
        ids.release(o.packetId);
        CompletableFuture<Void> f = o.releaseFuture != null ? o.releaseFuture : o.future;
        if (v5 && reasonCode >= 0x80) {
            f.completeExceptionally(new MqttClientException((o.message == null ? "release of packet id "
                    + o.packetId : "publish to '" + o.message.topic() + "'")
                    + " refused: " + ReasonCodes.describe(reasonCode) + reasonString(props), reasonCode));
        } else {
            f.complete(null);
        }
        drain();
        requests.resume();
    }

    void acknowledge(MqttMessage m) {
        inbound.acknowledge(m);
    }

    /** PUBCOMP for an incoming PUBREL the application released ({@link SessionState#releasesTo}). */
    void completeRelease(int packetId) {
        Runnable r = () -> {
            if (channel != null && state == State.CONNECTED) {
                send(new Packet.PubComp(packetId, 0, Properties.EMPTY));
            } // otherwise the broker sends the PUBREL again after the reconnect
        };
        if (loop.inEventLoop()) {
            r.run();
        } else {
            loop.execute(r);
        }
    }

    // ---------------------------------------------------------------- plumbing

    private boolean bufferFull(CompletableFuture<?> f) {
        if (queued.size() + requests.queuedCount() >= cfg.offlineBufferLimit()) {
            f.completeExceptionally(new MqttClientException("offline buffer full (" + cfg.offlineBufferLimit()
                    + " operations waiting for the connection)"));
            return true;
        }
        return false;
    }

    private MqttClientException notConnected() {
        return new MqttClientException(state == State.CLOSED ? "client is closed" : "client is not connected");
    }

    void run(Runnable task, CompletableFuture<?> f) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        };
        if (loop.inEventLoop()) {
            guarded.run();
        } else {
            try {
                loop.execute(guarded);
            } catch (RuntimeException e) { // rejected: the group was shut down
                f.completeExceptionally(new MqttClientException("client is closed", e));
            }
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    private static void waitQuietly(CompletableFuture<?> f) {
        try {
            f.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    // ---------------------------------------------------------------- channel events ({@link SessionChannelHandler})

    /** A new channel's handler. */
    SessionChannelHandler channelHandler() {
        return new SessionChannelHandler(this, cfg);
    }

    boolean isCurrent(Channel ch) {
        return ch == channel;
    }

    void lost(Throwable cause) {
        lostCause = cause;
    }

    boolean hasLostCause() {
        return lostCause != null;
    }

    void pingDue() {
        send(Packet.PingReq.INSTANCE);
    }
}
