package io.tern.broker;

import io.netty.util.concurrent.EventExecutor;
import io.tern.broker.security.AuthResult;
import io.tern.codec.MalformedPacketException;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import io.tern.codec.UnsupportedProtocolException;

import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The MQTT conversation of one connection: CONNECT, then publishes, subscriptions and acknowledgements,
 * until DISCONNECT or the connection is lost. Runs on the connection's event loop and talks to the network
 * only through {@link Connection}.
 */
final class ProtocolHandler {

    private enum State { NEW, AUTHENTICATING, CONNECTING, CONNECTED, CLOSED }

    /** Packets a client may send after CONNECT before it has its CONNACK; more is abuse. */
    private static final int MAX_EARLY_PACKETS = 1000;

    private final Broker broker;
    private final Connection conn;
    private State state = State.NEW;
    private MqttVersion version;
    private String clientId;
    private String username;
    private Packet.Will will;
    private boolean willCancelled;
    private Session session;
    private ArrayDeque<Packet> early;
    private String closeReason;
    /** MQTT 5 enhanced authentication: the method in use, the authenticator's progress, what CONNACK returns. */
    private String authMethod;
    private Object authState;
    private byte[] authReply;
    private Runnable afterAuth;
    private boolean reauthenticating;

    /** Made on first use: a connection that never publishes (or subscribes) does not carry them. */
    private InboundPublish publishes;
    private SubscriptionRequests subscriptions;

    ProtocolHandler(Broker broker, Connection conn) {
        this.broker = broker;
        this.conn = conn;
    }

    private InboundPublish publishes() {
        InboundPublish p = publishes;
        if (p == null) {
            p = publishes = new InboundPublish(broker, conn, this);
        }
        return p;
    }

    private SubscriptionRequests subscriptions() {
        SubscriptionRequests r = subscriptions;
        if (r == null) {
            r = subscriptions = new SubscriptionRequests(broker, conn, this);
        }
        return r;
    }

    String clientId() { return clientId; }

    MqttVersion version() { return version; }

    String username() { return username; }

    /** The session, from CONNACK until the connection is lost; null otherwise. */
    Session session() { return session; }

    // ---------------------------------------------------------------- inbound

    void onPacket(Packet p) {
        switch (state) {
            case NEW -> {
                if (p instanceof Packet.Connect c) {
                    onConnect(c);
                } else {
                    // the decoder enforces CONNECT-first; this is defence in depth [MQTT-3.1.0-1]
                    protocolError("first packet was " + p.type() + ", not CONNECT");
                }
            }
            case AUTHENTICATING -> {
                if (p instanceof Packet.Auth a && a.reasonCode() == 0x18) {
                    continueAuth(a);
                } else if (p instanceof Packet.Disconnect d) {
                    onDisconnect(d);
                } else {
                    // only AUTH (or DISCONNECT) may come before the CONNACK of an enhanced authentication (MQTT 5 4.12)
                    protocolError(p.type() + " during enhanced authentication");
                }
            }
            case CONNECTING -> {
                if (early == null) {
                    early = new ArrayDeque<>();
                }
                if (early.size() >= MAX_EARLY_PACKETS) {
                    protocolError("too many packets before CONNACK");
                } else {
                    early.add(p);
                }
            }
            case CONNECTED -> dispatch(p);
            case CLOSED -> { }
        }
    }

    private void dispatch(Packet p) {
        switch (p.type()) {
            case PUBLISH -> publishes().onPublish((Packet.Publish) p);
            case PUBACK -> {
                Packet.PubAck a = (Packet.PubAck) p;
                debugReceived("PUBACK", a.packetId(), a.reasonCode());
                if (!session.onPubAck(a.packetId())) {
                    wrongAck(p, a.packetId());
                }
            }
            case PUBREC -> {
                Packet.PubRec r = (Packet.PubRec) p;
                debugReceived("PUBREC", r.packetId(), r.reasonCode());
                if (!session.onPubRec(r.packetId(), r.reasonCode())) {
                    wrongAck(p, r.packetId());
                }
            }
            case PUBREL -> publishes().onPubRel((Packet.PubRel) p);
            case PUBCOMP -> {
                Packet.PubComp c = (Packet.PubComp) p;
                debugReceived("PUBCOMP", c.packetId(), c.reasonCode());
                if (!session.onPubComp(c.packetId())) {
                    wrongAck(p, c.packetId());
                }
            }
            case SUBSCRIBE -> subscriptions().onSubscribe((Packet.Subscribe) p);
            case UNSUBSCRIBE -> subscriptions().onUnsubscribe((Packet.Unsubscribe) p);
            case PINGREQ -> {
                if (Log.DEBUG.isDebugEnabled()) {
                    Log.DEBUG.debug("Received PINGREQ from {}", clientId);
                    Log.DEBUG.debug("Sending PINGRESP to {}", clientId);
                }
                conn.send(Packet.PingResp.INSTANCE);
            }
            case DISCONNECT -> onDisconnect((Packet.Disconnect) p);
            case CONNECT -> onMalformed(new MalformedPacketException(MalformedPacketException.PROTOCOL_ERROR,
                    "second CONNECT on one connection").packetType(p.type())); // [MQTT-3.1.0-2]
            case AUTH -> onAuth((Packet.Auth) p);
            default -> protocolError("unexpected " + p.type() + " from a client");
        }
    }

    /** An acknowledgement that does not fit the QoS flow of its packet id [MQTT-4.3.2], [MQTT-4.3.3]. */
    private void wrongAck(Packet p, int packetId) {
        onMalformed(new MalformedPacketException(MalformedPacketException.PROTOCOL_ERROR,
                p.type() + " for packet id " + packetId + ", which is in a different QoS flow").packetType(p.type()));
    }

    private void debugReceived(String what, int packetId, int rc) {
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received {} from {} (Mid: {}, RC:{})", what, clientId, packetId, rc);
        }
    }

    // ---------------------------------------------------------------- CONNECT

    private void onConnect(Packet.Connect c) {
        version = c.version();
        conn.protocolVersion(version);
        Settings cfg = broker.settings();
        if (c.version() != MqttVersion.MQTT_5 && c.password() != null && c.username() == null) {
            // the decoder enforces [MQTT-3.1.2-22]; defence in depth for other codecs
            refuse(c, 4, 0x86, "password without username");
            return;
        }
        if (version.isV5() && c.properties().has(PropertyId.AUTHENTICATION_METHOD)) {
            String method = c.properties().stringValue(PropertyId.AUTHENTICATION_METHOD);
            io.tern.broker.security.EnhancedAuthenticator ea = broker.enhancedAuthenticator();
            if (ea == null || !ea.method().equals(method)) {
                // [MQTT-4.12.0-1]: a method the server does not support
                refuse(c, 5, 0x8C, "unsupported authentication method '" + method + "'");
                return;
            }
            authMethod = method;
        }
        String id = c.clientId();
        username = c.username();
        boolean identityAsUsername = conn.listener().useIdentityAsUsername() || conn.listener().useSubjectAsUsername();
        if (identityAsUsername && conn.transportIdentity() != null) {
            username = conn.transportIdentity();
        } else if (identityAsUsername && (conn.listener().usesCertificateTls() || conn.listener().usesPsk())) {
            // Mosquitto 2.0: no certificate means no username, and a CONNECT username does not stand in for one
            refuse(c, 4, 0x86, "no client certificate to take the username from");
            return;
        }
        boolean assigned = false;
        if (id.isEmpty()) {
            // per listener with per_listener_settings true, as Mosquitto
            ListenerSecurity ids = broker.security(conn.listener());
            boolean allowed = ids.allowZeroLengthClientid()
                    && (version == MqttVersion.MQTT_5 || (version == MqttVersion.MQTT_3_1_1 && c.cleanStart()));
            if (!allowed) {
                // [MQTT-3.1.3-8]; MQTT 5 0x80 "Unspecified error" as Mosquitto answers (0x85 is a MAY)
                refuse(c, 2, 0x80, "client id must not be empty");
                return;
            }
            id = ids.autoIdPrefix() + randomId();
            assigned = true;
        }
        clientId = id;
        int keepAlive = c.keepAlive();
        int serverKeepAlive = -1;
        int maxKeepAlive = cfg.maxKeepalive();
        if (version.isV5() && maxKeepAlive > 0 && (keepAlive > maxKeepAlive || keepAlive == 0)) {
            // Mosquitto 2.0: a v5 client without keep alive (0) is given max_keepalive, 65535 by default
            serverKeepAlive = maxKeepAlive;
            keepAlive = maxKeepAlive;
        } else if (maxKeepAlive > 0 && maxKeepAlive < 65535 && (keepAlive > maxKeepAlive || keepAlive == 0)) {
            if (version.isV5()) {
                serverKeepAlive = maxKeepAlive;
                keepAlive = maxKeepAlive;
            } else if (keepAlive > maxKeepAlive) {
                // Mosquitto: v3 clients asking for more than max_keepalive are refused
                refuse(c, 2, 0x85, "keepalive " + keepAlive + " exceeds max_keepalive " + maxKeepAlive);
                return;
            }
        }
        if (c.will() != null) {
            if (TopicRules.tooDeep(c.will().topic())) {
                protocolError("will topic with more than " + TopicRules.MAX_TOPIC_LEVELS + " levels");
                return;
            }
            int limit = cfg.messageSizeLimit();
            if (limit > 0 && c.will().payload().length > limit) {
                // as Mosquitto: the will could never be published
                refuse(c, 5, 0x95, "will payload larger than message_size_limit " + limit);
                return;
            }
            int format = broker.config().strict().checkPayloadFormat()
                    ? PayloadFormat.check(c.will().properties(), c.will().payload()) : 0;
            if (format == PayloadFormat.BAD_INDICATOR) {
                protocolError("Will properties: " + PayloadFormat.reason(format, c.will().properties()));
                return;
            } else if (format != 0) {
                refuse(c, 5, format, "will " + PayloadFormat.reason(format, c.will().properties()));
                return;
            }
            if (c.will().qos() > conn.listener().maxQos()) {
                refuse(c, 5, 0x9B, "will QoS " + c.will().qos() + " above max_qos");
                return;
            }
            if (c.will().retain() && !cfg.retainAvailable()) {
                refuse(c, 5, 0x9A, "retained will while retain_available is false");
                return;
            }
        }
        state = State.CONNECTING;
        final int ka0 = keepAlive;
        final int ska0 = serverKeepAlive;
        final boolean assigned0 = assigned;
        if (authMethod != null) {
            // the enhanced authenticator stands in for password_file and allow_anonymous
            afterAuth = () -> authenticated(c, AuthResult.ACCEPT, ka0, ska0, assigned0);
            authStep(broker.enhancedAuthenticator().start(clientId, username,
                    c.properties().binaryValue(PropertyId.AUTHENTICATION_DATA)), c);
            return;
        }
        ListenerSecurity sec = broker.security(conn.listener());
        String user = username;
        if (identityAsUsername) {
            // Mosquitto 2.0: the certificate or PSK identity authenticated the client; password_file and
            // allow_anonymous are skipped, only clientid_prefixes still applies
            String prefix = broker.config().clientidPrefixes();
            boolean prefixed = prefix == null || prefix.isEmpty() || clientId.startsWith(prefix);
            authenticated(c, prefixed ? AuthResult.ACCEPT : AuthResult.NOT_AUTHORISED, ka0, ska0, assigned0);
            return;
        }
        if (!sec.authenticator().mayBlock()) {
            authenticated(c, sec.authenticator().authenticate(clientId, user, c.password()), ka0, ska0, assigned0);
            return;
        }
        // password hashing costs milliseconds: keep it off the event loop
        EventExecutor loop = conn.executor();
        broker.authExecutor().execute(() -> {
            AuthResult r;
            try {
                r = sec.authenticator().authenticate(clientId, user, c.password());
            } catch (RuntimeException e) {
                Log.ERROR.error("Error authenticating client {}: {}", clientId, e.toString());
                r = AuthResult.NOT_AUTHORISED;
            }
            AuthResult result = r;
            loop.execute(() -> authenticated(c, result, ka0, ska0, assigned0));
        });
    }

    /** Acts on one step of enhanced authentication, during CONNECT ({@code c} set) or re-authentication. */
    private void authStep(io.tern.broker.security.EnhancedAuthenticator.Step step, Packet.Connect c) {
        switch (step.outcome()) {
            case SUCCESS -> {
                authReply = step.data();
                authState = null;
                if (c != null) {
                    state = State.CONNECTING;
                    Runnable next = afterAuth;
                    afterAuth = null;
                    next.run();
                } else {
                    reauthenticating = false;
                    conn.send(new Packet.Auth(0x00, authProperties(authReply)));
                }
            }
            case CONTINUE -> {
                authState = step.state();
                if (c != null) {
                    state = State.AUTHENTICATING;
                    pendingConnect = c;
                } else {
                    reauthenticating = true;
                }
                conn.send(new Packet.Auth(0x18, authProperties(step.data())));
            }
            case FAILURE -> {
                if (c != null) {
                    refuse(c, 5, 0x87, "enhanced authentication failed");
                    Log.NOTICE.info("Client {} disconnected, not authorised.", clientId);
                } else {
                    disconnect(0x87, "re-authentication failed");
                }
            }
        }
    }

    private Packet.Connect pendingConnect;

    private Properties authProperties(byte[] data) {
        Properties.Builder b = Properties.builder().put(PropertyId.AUTHENTICATION_METHOD, authMethod);
        if (data != null) {
            b.put(PropertyId.AUTHENTICATION_DATA, data);
        }
        return b.build();
    }

    private void continueAuth(Packet.Auth a) {
        if (!authMethod.equals(a.properties().stringValue(PropertyId.AUTHENTICATION_METHOD))) {
            protocolError("AUTH with a different authentication method"); // [MQTT-4.12.0-5]
            return;
        }
        io.tern.broker.security.EnhancedAuthenticator.Step step =
                broker.enhancedAuthenticator().next(authState, a.properties().binaryValue(PropertyId.AUTHENTICATION_DATA));
        Packet.Connect c = state == State.AUTHENTICATING ? pendingConnect : null;
        if (c != null && step.outcome() != io.tern.broker.security.EnhancedAuthenticator.Outcome.CONTINUE) {
            pendingConnect = null;
        }
        authStep(step, c);
    }

    /** AUTH after CONNACK: re-authentication (0x19) or its continuation (0x18) [MQTT-4.12.1]. */
    private void onAuth(Packet.Auth a) {
        if (authMethod == null) {
            protocolError("AUTH without an authentication method"); // [MQTT-4.12.0-7]
        } else if (a.reasonCode() == 0x19 && !reauthenticating) {
            if (!authMethod.equals(a.properties().stringValue(PropertyId.AUTHENTICATION_METHOD))) {
                protocolError("re-authentication with a different method"); // [MQTT-4.12.1-1]
                return;
            }
            authStep(broker.enhancedAuthenticator().start(clientId, username,
                    a.properties().binaryValue(PropertyId.AUTHENTICATION_DATA)), null);
        } else if (a.reasonCode() == 0x18 && reauthenticating) {
            continueAuth(a);
        } else {
            protocolError("unexpected AUTH reason 0x" + Integer.toHexString(a.reasonCode()));
        }
    }

    private void authenticated(Packet.Connect c, AuthResult auth, int keepAlive, int serverKeepAlive,
                               boolean assigned) {
        if (state != State.CONNECTING) {
            return; // the connection went away meanwhile
        }
        if (auth != AuthResult.ACCEPT) {
            // Mosquitto 2.0 answers "not authorised" for a wrong password too; report_bad_credentials says
            // which it was, as the specification's 4 / 0x86 allow
            boolean bad = auth == AuthResult.BAD_USERNAME_OR_PASSWORD && broker.config().strict().reportBadCredentials();
            refuse(c, bad ? 4 : 5, bad ? 0x86 : 0x87, null);
            Log.NOTICE.info("Client {} disconnected, not authorised.", clientId);
            return;
        }
        will = c.will();
        long expiry;
        int receiveMaximum = 65535;
        if (version.isV5()) {
            expiry = c.properties().longValue(PropertyId.SESSION_EXPIRY_INTERVAL, 0);
            if (expiry == 0xFFFFFFFFL) {
                expiry = -1;
            }
            receiveMaximum = c.properties().intValue(PropertyId.RECEIVE_MAXIMUM, 65535);
        } else {
            expiry = c.cleanStart() ? 0 : -1;
        }
        final int ka = keepAlive;
        final int ska = serverKeepAlive;
        final boolean wasAssigned = assigned;
        final long exp = expiry;
        final int rm = receiveMaximum;
        broker.sessions().open(clientId, c.cleanStart(), conn.executor(), this,
                (s, present) -> attached(s, present, c, ka, ska, wasAssigned, exp, rm));
    }

    private void attached(Session s, boolean present, Packet.Connect c, int keepAlive, int serverKeepAlive,
                          boolean assigned, long expiry, int receiveMaximum) {
        if (state == State.CLOSED) {
            // the client went away while its session was being taken over
            broker.sessions().release(s, this);
            return;
        }
        session = s;
        s.attach(conn, version, username, expiry, receiveMaximum);
        s.keepAlive = keepAlive;
        io.tern.broker.extension.ClusterRouting cluster = broker.clusterRouting();
        if (cluster != null) {
            cluster.attached(clientId, version, expiry, will);
        }
        Durability dur = broker.durability();
        // a session handed over by another cluster node: its messages get their store entries (and sequence
        // numbers) before any publisher's, and are durable before CONNACK
        boolean imported = dur != null && expiry != 0 && present && s.storeImported(dur);
        s.durable(dur != null && expiry != 0);
        if (s.durable()) {
            dur.saveSession(s, true);
            if (imported) {
                ClusterEndpoint.awaitDurable(dur, clientId);
            }
        }
        if (version.isV5()) {
            s.clientLimits(c.properties().intValue(PropertyId.TOPIC_ALIAS_MAXIMUM, 0),
                    c.properties().longValue(PropertyId.MAXIMUM_PACKET_SIZE, 0));
        } else {
            s.clientLimits(0, 0);
        }
        broker.stats().clientConnected();
        state = State.CONNECTED;
        io.tern.broker.extension.MessageObserver observer = broker.observer();
        if (observer != null) {
            observer.connected(clientId, conn.listener(), BrokerAdmin.versionName(version));
        }
        if (broker.settings().connectionMessages()) {
            StringBuilder sb = new StringBuilder(96);
            sb.append(conn.bridge() ? "New bridge connected from " : "New client connected from ")
                    .append(conn.remoteAddress()).append(" as ").append(clientId)
                    .append(" (p").append(version == MqttVersion.MQTT_3_1 ? 1 : version == MqttVersion.MQTT_3_1_1 ? 2 : 5)
                    .append(", c").append(c.cleanStart() ? 1 : 0).append(", k").append(c.keepAlive());
            if (username != null) {
                sb.append(", u'").append(username).append('\'');
            }
            sb.append(").");
            Log.NOTICE.info(sb.toString());
        }
        Properties props = Properties.EMPTY;
        if (version.isV5()) {
            props = connackProperties(assigned, serverKeepAlive);
            int topicAliasMax = conn.listener().maxTopicAlias();
            if (topicAliasMax > 0) {
                publishes().allowTopicAliases(topicAliasMax);
            }
        }
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Sending CONNACK to {} ({}, 0)", clientId, present ? 1 : 0);
        }
        Packet.ConnAck ack = new Packet.ConnAck(present, 0, props);
        long clientMax = version.isV5() ? c.properties().longValue(PropertyId.MAXIMUM_PACKET_SIZE, 0) : 0;
        if (clientMax > 0 && io.tern.codec.MqttEncoder.encodedLength(ack, version) > clientMax) {
            // not even the CONNACK fits the client's Maximum Packet Size [MQTT-3.1.2-24]: close without it
            Log.NOTICE.info("Client {} disconnected: its maximum packet size {} is too small for CONNACK.",
                    clientId, clientMax);
            closeReason = "error";
            state = State.CLOSED;
            conn.close();
            return;
        }
        conn.send(ack);
        conn.keepAliveTimeout(keepAlive * 1500L);
        if (present) {
            s.resume();
        }
        ArrayDeque<Packet> pending = early;
        early = null;
        if (pending != null) {
            for (Packet p : pending) {
                if (state != State.CONNECTED) {
                    break;
                }
                dispatch(p);
            }
        }
    }

    /**
     * The CONNACK properties, in Mosquitto 2.0's order (src/handle_connect.c, then src/send_connack.c):
     * Topic Alias Maximum, Server Keep Alive, Assigned Client Identifier, Authentication Method and Data,
     * then Retain Available, Maximum Packet Size, Receive Maximum, Maximum QoS. Subscription identifiers
     * are available, which an absent property already says (MQTT 5 3.2.2.3.12).
     */
    private Properties connackProperties(boolean assigned, int serverKeepAlive) {
        Settings cfg = broker.settings();
        Properties.Builder b = Properties.builder();
        int topicAliasMax = conn.listener().maxTopicAlias();
        if (topicAliasMax > 0) {
            b.put(PropertyId.TOPIC_ALIAS_MAXIMUM, topicAliasMax);
        }
        if (serverKeepAlive >= 0) {
            b.put(PropertyId.SERVER_KEEP_ALIVE, serverKeepAlive);
        }
        if (assigned) {
            b.put(PropertyId.ASSIGNED_CLIENT_IDENTIFIER, clientId);
        }
        if (authMethod != null) {
            // [MQTT-4.12.0-5]: a successful CONNACK repeats the method, with the final data if any
            b.put(PropertyId.AUTHENTICATION_METHOD, authMethod);
            if (authReply != null) {
                b.put(PropertyId.AUTHENTICATION_DATA, authReply);
            }
        }
        if (!cfg.retainAvailable()) {
            b.put(PropertyId.RETAIN_AVAILABLE, 0);
        }
        if (cfg.maxPacketSize() > 0) {
            b.put(PropertyId.MAXIMUM_PACKET_SIZE, (long) cfg.maxPacketSize());
        }
        if (cfg.maxInflightMessages() > 0 && cfg.maxInflightMessages() < 65535) {
            b.put(PropertyId.RECEIVE_MAXIMUM, cfg.maxInflightMessages());
        }
        if (conn.listener().maxQos() < 2) {
            b.put(PropertyId.MAXIMUM_QOS, conn.listener().maxQos());
        }
        return b.build();
    }

    private void refuse(Packet.Connect c, int v3Code, int v5Code, String why) {
        int code = version.isV5() ? v5Code : v3Code;
        if (why != null) {
            Log.NOTICE.info("Client {} refused: {}.", c.clientId().isEmpty() ? "<unknown>" : c.clientId(), why);
        }
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Sending CONNACK to {} (0, {})", clientId != null ? clientId : c.clientId(), code);
        }
        conn.send(new Packet.ConnAck(false, code, Properties.EMPTY));
        state = State.CLOSED;
        conn.close();
    }

    /** A random UUID in its 36-character text form, as Mosquitto assigns after auto_id_prefix. */
    private static String randomId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new java.util.UUID((r.nextLong() & ~0xF000L) | 0x4000L,
                (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
    }

    // ---------------------------------------------------------------- DISCONNECT and loss

    private void onDisconnect(Packet.Disconnect d) {
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received DISCONNECT from {}", clientId);
        }
        if (version.isV5()) {
            if (d.properties().has(PropertyId.SESSION_EXPIRY_INTERVAL)) {
                long e = d.properties().longValue(PropertyId.SESSION_EXPIRY_INTERVAL, 0);
                if (session.expirySeconds() == 0 && e != 0) {
                    // [MQTT-3.14.2-2]
                    protocolError("DISCONNECT sets a session expiry after CONNECT said 0");
                    return;
                }
                session.expirySeconds(e == 0xFFFFFFFFL ? -1 : e);
            }
            // 0x04: disconnect with Will Message
            willCancelled = d.reasonCode() != 0x04;
        } else {
            willCancelled = true; // [MQTT-3.14.4-3]
        }
        closeReason = "disconnected";
        state = State.CLOSED;
        conn.close();
    }

    /** A malformed packet or a broken rule: the connection closes and the will is published. */
    void onMalformed(MalformedPacketException e) {
        if (state == State.CLOSED) {
            return;
        }
        if (e instanceof UnsupportedProtocolException u) {
            Log.INFO.info("Client {} disconnected: {}.", conn.remoteAddress(), u.getMessage());
            // [MQTT-3.1.2-2]: CONNACK 0x01 (3.x), 0x84 for a v5-style request
            conn.send(new Packet.ConnAck(false, u.level() == 5 ? 0x84 : 1, Properties.EMPTY));
            state = State.CLOSED;
            conn.close();
            return;
        }
        String who = clientId != null ? clientId : conn.remoteAddress();
        boolean protocol = e.reasonCode() == MalformedPacketException.PROTOCOL_ERROR;
        Log.NOTICE.info("Client {} disconnected due to {}: {}.", who,
                protocol ? "protocol error" : "malformed packet", e.getMessage());
        if (version != null && version.isV5() && state == State.CONNECTED && tellsWhy(e)) {
            // Mosquitto calls every broken SUBSCRIBE / UNSUBSCRIBE malformed (0x81), even where the
            // specification's wording says "Protocol Error" (QoS 3, Retain Handling 3, packet id 0)
            boolean subscription = e.packetType() == io.tern.codec.PacketType.SUBSCRIBE
                    || e.packetType() == io.tern.codec.PacketType.UNSUBSCRIBE;
            int code = subscription && e.reasonCode() == MalformedPacketException.PROTOCOL_ERROR
                    ? MalformedPacketException.MALFORMED : e.reasonCode();
            conn.send(new Packet.Disconnect(code, Properties.EMPTY));
        }
        closeReason = "error";
        state = State.CLOSED;
        conn.close();
    }

    /**
     * Whether a bad packet is answered with a DISCONNECT before closing, which the specification leaves open
     * ("MAY", MQTT 5 section 4.13.1). As Mosquitto 2.0 (src/read_handle.c): for PUBLISH, SUBSCRIBE,
     * UNSUBSCRIBE, AUTH, a too large packet and a DISCONNECT breaking a rule; the acknowledgements, PINGREQ,
     * a second CONNECT and packets only a server sends are closed on without a word.
     */
    private static boolean tellsWhy(MalformedPacketException e) {
        if (e.reasonCode() == MalformedPacketException.PACKET_TOO_LARGE || e.packetType() == null) {
            return true;
        }
        return switch (e.packetType()) {
            case PUBLISH, SUBSCRIBE, UNSUBSCRIBE, AUTH -> true;
            case DISCONNECT -> e.reasonCode() == MalformedPacketException.PROTOCOL_ERROR;
            default -> false;
        };
    }

    void protocolError(String why) {
        onMalformed(new MalformedPacketException(MalformedPacketException.PROTOCOL_ERROR, why));
    }

    void disconnect(int reasonCode, String why) {
        Log.NOTICE.info("Client {} disconnected: {}.", clientId, why);
        if (version.isV5()) {
            conn.send(new Packet.Disconnect(reasonCode, Properties.EMPTY));
        }
        closeReason = "error";
        state = State.CLOSED;
        conn.close();
    }

    /** No packet within 1.5 × keep-alive [MQTT-3.1.2-24]. */
    void onKeepAliveExpired() {
        if (state == State.CLOSED) {
            return;
        }
        if (clientId == null) {
            Log.NOTICE.info("Client {} sent no CONNECT in time, disconnecting.", conn.remoteAddress());
        } else {
            Log.NOTICE.info("Client {} has exceeded timeout, disconnecting.", clientId);
            if (version.isV5() && state == State.CONNECTED) {
                conn.send(new Packet.Disconnect(0x8D, Properties.EMPTY));
            }
        }
        closeReason = "timeout";
        state = State.CLOSED;
        conn.close();
    }

    /** An administrator disconnected this client (admin API); MQTT 5 clients hear 0x98; the will is published. */
    void kick() {
        if (state == State.CLOSED) {
            return;
        }
        disconnect(0x98, "disconnected by an administrator");
    }

    /** Another connection took this client id [MQTT-3.1.4-3]; runs on this connection's loop. */
    void takenOver() {
        Log.NOTICE.info("Client {} already connected, closing old connection.", clientId);
        if (version.isV5()) {
            conn.send(new Packet.Disconnect(0x8E, Properties.EMPTY));
        }
        closeReason = "takeover";
        state = State.CLOSED;
        lose();
        conn.close();
    }

    /** Closed by an administrator (a deleted or changed client): v5 clients hear why (0x98); no will. */
    void kicked() {
        if (state == State.CLOSED) {
            return;
        }
        Log.NOTICE.info("Client {} been disconnected by administrative action.", clientId);
        if (state == State.CONNECTED && version.isV5()) {
            conn.send(new Packet.Disconnect(0x98, Properties.EMPTY));
        }
        willCancelled = true;
        closeReason = "kicked";
        state = State.CLOSED;
        conn.close();
    }

    /** Server shutdown: v5 clients hear why (0x8B). */
    void shutdown() {
        if (state == State.CONNECTED && version.isV5()) {
            conn.send(new Packet.Disconnect(0x8B, Properties.EMPTY));
        }
        willCancelled = true;
        state = State.CLOSED;
        conn.close();
    }

    /** The connection is gone, for whatever reason. */
    void onClosed() {
        boolean wasAttached = session != null;
        if (wasAttached && broker.settings().connectionMessages()) {
            if ("disconnected".equals(closeReason)) {
                Log.NOTICE.info("Client {} disconnected.", clientId);
            } else if (closeReason == null) {
                Log.NOTICE.info("Client {} closed its connection.", clientId);
            }
        }
        state = State.CLOSED;
        lose();
    }

    /** Publishes the will unless cancelled, and lets the session go offline or end. */
    private void lose() {
        Session s = session;
        if (s == null) {
            return;
        }
        session = null;
        broker.stats().clientDisconnected();
        if (will != null && !willCancelled) {
            publishWill(s);
        }
        will = null;
        broker.sessions().detached(s, this);
    }

    private void publishWill(Session s) {
        Packet.Will w = will;
        if (TopicRules.dollarDenied(w.topic()) || !sec().authorizer().canPublish(clientId, username, w.topic())) {
            return;
        }
        Properties props = w.properties();
        long now = System.nanoTime();
        long expiry = Long.MAX_VALUE;
        if (props.has(PropertyId.MESSAGE_EXPIRY_INTERVAL)) {
            expiry = now + props.longValue(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0) * 1_000_000_000L;
        }
        long delay = props.longValue(PropertyId.WILL_DELAY_INTERVAL, 0);
        if (props.has(PropertyId.WILL_DELAY_INTERVAL)) {
            props = props.toBuilder().remove(PropertyId.WILL_DELAY_INTERVAL).build();
        }
        Message msg = new Message(TopicRules.mounted(conn.listener(), w.topic()), w.payload(), w.qos(), w.retain(),
                props, clientId, now, expiry);
        if (version.isV5() && delay > 0) {
            // a session that expires sooner sends its will when it ends; one that ends with its connection
            // (expiry 0) does not cut the delay short: Mosquitto 2.0 waits the Will Delay all the same, and a new
            // connection for the client id in the meantime deletes the will [MQTT-3.1.2-8]
            long effective = s.expirySeconds() > 0 ? Math.min(delay, s.expirySeconds()) : delay;
            broker.sessions().delayWill(s, msg, effective);
        } else {
            broker.publish(msg, null);
        }
    }

    void onWritable() {
        if (session != null) {
            session.onWritable();
        }
    }

    EventExecutor executor() { return conn.executor(); }

    ListenerSecurity sec() { return broker.security(conn.listener()); }
}
