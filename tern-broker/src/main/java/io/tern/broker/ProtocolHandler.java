package io.tern.broker;

import io.netty.util.concurrent.EventExecutor;
import io.tern.broker.security.AuthResult;
import io.tern.codec.MalformedPacketException;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import io.tern.codec.Topics;
import io.tern.codec.UnsupportedProtocolException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The MQTT conversation of one connection: CONNECT, then publishes, subscriptions and acknowledgements,
 * until DISCONNECT or the connection is lost. Runs on the connection's event loop and talks to the network
 * only through {@link Connection}.
 */
final class ProtocolHandler {

    private enum State { NEW, AUTHENTICATING, CONNECTING, CONNECTED, CLOSED }

    /**
     * Topic names and filters deeper than this are refused, as Mosquitto 2.0 does (TOPIC_HIERARCHY_LIMIT):
     * the topic tree is walked level by level, and 65,535 levels of '/' are an attack, not a topic.
     */
    static final int MAX_TOPIC_LEVELS = 200;

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
    /** Topic aliases the client set up (MQTT 5), index = alias. */
    private String[] inboundAliases;
    /** MQTT 5 enhanced authentication: the method in use, the authenticator's progress, what CONNACK returns. */
    private String authMethod;
    private Object authState;
    private byte[] authReply;
    private Runnable afterAuth;
    private boolean reauthenticating;

    ProtocolHandler(Broker broker, Connection conn) {
        this.broker = broker;
        this.conn = conn;
    }

    String clientId() { return clientId; }

    MqttVersion version() { return version; }

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
            case PUBLISH -> onPublish((Packet.Publish) p);
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
            case PUBREL -> onPubRel((Packet.PubRel) p);
            case PUBCOMP -> {
                Packet.PubComp c = (Packet.PubComp) p;
                debugReceived("PUBCOMP", c.packetId(), c.reasonCode());
                if (!session.onPubComp(c.packetId())) {
                    wrongAck(p, c.packetId());
                }
            }
            case SUBSCRIBE -> onSubscribe((Packet.Subscribe) p);
            case UNSUBSCRIBE -> onUnsubscribe((Packet.Unsubscribe) p);
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
            if (tooDeep(c.will().topic())) {
                protocolError("will topic with more than " + MAX_TOPIC_LEVELS + " levels");
                return;
            }
            int limit = cfg.messageSizeLimit();
            if (limit > 0 && c.will().payload().length > limit) {
                // as Mosquitto: the will could never be published
                refuse(c, 5, 0x95, "will payload larger than message_size_limit " + limit);
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
                inboundAliases = new String[topicAliasMax + 1];
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

    /**
     * Clients may not publish to {@code $SYS} (the broker's own topics), except
     * {@code $SYS/broker/connection/<name>/state} which a bridge from another broker writes, nor to a topic
     * beginning with {@code $share} (a shared subscription prefix, not a topic). As Mosquitto 2.0 (its
     * acl__check_dollar); topics starting with {@code $} are the server's to define [MQTT-4.7.2-1].
     */
    static boolean dollarDenied(String topic) {
        if (topic.isEmpty() || topic.charAt(0) != '$') {
            return false;
        }
        if (topic.startsWith("$SYS")) {
            String[] levels = topic.split("/", -1);
            return !(levels.length == 5 && levels[0].equals("$SYS") && levels[1].equals("broker")
                    && levels[2].equals("connection") && levels[4].equals("state"));
        }
        return topic.startsWith("$share");
    }

    /**
     * The listener's {@code mount_point} put in front of a topic or filter the client sent (for a shared
     * subscription, in front of its filter part), as Mosquitto does; {@link Session} takes it off again on
     * the way out.
     */
    private String mounted(String topic) {
        String mount = conn.listener().mountPoint();
        if (mount == null) {
            return topic;
        }
        if (Topics.isShared(topic)) {
            int at = topic.indexOf('/', "$share/".length()) + 1;
            return topic.substring(0, at) + mount + topic.substring(at);
        }
        return mount + topic;
    }

    /** More than {@link #MAX_TOPIC_LEVELS} separators (Mosquitto counts the '/' characters). */
    static boolean tooDeep(String topic) {
        if (topic.length() <= MAX_TOPIC_LEVELS) {
            return false;
        }
        int n = 0;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/' && ++n > MAX_TOPIC_LEVELS) {
                return true;
            }
        }
        return false;
    }

    /** A random UUID in its 36-character text form, as Mosquitto assigns after auto_id_prefix. */
    private static String randomId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new java.util.UUID((r.nextLong() & ~0xF000L) | 0x4000L,
                (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
    }

    // ---------------------------------------------------------------- PUBLISH

    private void onPublish(Packet.Publish p) {
        Settings cfg = broker.settings();
        String topic = p.topic();
        Properties props = p.properties();
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received PUBLISH from {} (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))", clientId,
                    p.dup() ? 1 : 0, p.qos(), p.retain() ? 1 : 0, p.packetId(), topic, p.payload().length);
        }
        broker.stats().messageReceived(p.payload().length);
        if (version.isV5()) {
            int alias = props.intValue(PropertyId.TOPIC_ALIAS, 0);
            if (alias != 0) {
                if (inboundAliases == null || alias >= inboundAliases.length) {
                    disconnect(0x94, "topic alias " + alias + " exceeds the maximum");
                    return;
                }
                if (topic.isEmpty()) {
                    topic = inboundAliases[alias];
                    if (topic == null) {
                        protocolError("unknown topic alias " + alias);
                        return;
                    }
                } else {
                    inboundAliases[alias] = topic;
                }
            }
            if (props.has(PropertyId.TOPIC_ALIAS) || props.has(PropertyId.SUBSCRIPTION_IDENTIFIER)) {
                props = props.toBuilder().remove(PropertyId.TOPIC_ALIAS).remove(PropertyId.SUBSCRIPTION_IDENTIFIER)
                        .build();
            }
        }
        if (tooDeep(topic)) {
            protocolError("topic with more than " + MAX_TOPIC_LEVELS + " levels");
            return;
        }
        topic = mounted(topic);
        io.tern.broker.extension.MessageObserver observer = broker.observer();
        if (observer != null) {
            observer.received(clientId, topic, p.qos(), p.payload().length);
        }
        if (p.qos() > conn.listener().maxQos()) {
            if (version.isV5()) {
                disconnect(0x9B, "QoS " + p.qos() + " not supported");
            } else {
                protocolError("QoS " + p.qos() + " above max_qos");
            }
            return;
        }
        if (p.retain() && !cfg.retainAvailable()) {
            if (version.isV5()) {
                disconnect(0x9A, "retain not supported");
            } else {
                protocolError("retained PUBLISH while retain_available is false");
            }
            return;
        }
        boolean accept = true;
        int rc = 0;
        int limit = cfg.messageSizeLimit();
        if (limit > 0 && p.payload().length > limit) {
            accept = false;
            rc = 0x97;
            Log.NOTICE.info("Dropping too large PUBLISH from {} ({} bytes > message_size_limit {}).", clientId,
                    p.payload().length, limit);
        } else if (dollarDenied(topic) || !sec().authorizer().canPublish(clientId, username, topic)) {
            accept = false;
            rc = 0x87;
            if (observer != null) {
                observer.publishDenied(clientId, username, topic, p.qos());
            }
            if (Log.DEBUG.isDebugEnabled()) {
                Log.DEBUG.debug("Denied PUBLISH from {} (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))", clientId,
                        p.dup() ? 1 : 0, p.qos(), p.retain() ? 1 : 0, p.packetId(), topic, p.payload().length);
            }
        }
        if (!version.isV5()) {
            rc = 0; // 3.1.1 has no way to say no: acknowledge and drop, as Mosquitto does
        } else if (accept) {
            rc = 0;
        }
        switch (p.qos()) {
            case 0 -> {
                if (accept) {
                    route(topic, p, props);
                }
            }
            case 1 -> {
                if (accept) {
                    Boolean matched = routedDurably(topic, p, props);
                    if (matched == null) {
                        return;
                    }
                    if (!matched && version.isV5()) {
                        rc = 0x10; // No matching subscribers, as Mosquitto says for QoS 1 (MQTT 5 3.4.2.1)
                    }
                }
                if (Log.DEBUG.isDebugEnabled()) {
                    Log.DEBUG.debug("Sending PUBACK to {} (m{}, rc{})", clientId, p.packetId(), rc);
                }
                acknowledge(new Packet.PubAck(p.packetId(), rc, Properties.EMPTY));
            }
            default -> {
                // exactly once: a repeated packet id before PUBREL is the same message [MQTT-4.3.3-10]
                boolean fresh = !session.inboundQos2.contains(p.packetId());
                // with persistence (or a cluster) the message is stored (or forwarded) before PUBREC; without,
                // PUBREC goes first, so the publisher hears PUBREC before any copy of its message, as from Mosquitto
                boolean routeFirst = broker.durability() != null || broker.clusterRouting() != null;
                if (fresh) {
                    int max = cfg.maxInflightMessages() > 0 ? cfg.maxInflightMessages() : 65535;
                    if (version.isV5() && session.inboundQos2.size() >= max) {
                        disconnect(0x93, "receive maximum exceeded");
                        return;
                    }
                    if (accept && routeFirst && routedDurably(topic, p, props) == null) {
                        return; // the store refused it: not acknowledged, not marked as received
                    }
                    if (!version.isV5() || rc < 0x80) {
                        session.inboundQos2.add(p.packetId());
                        if (session.durable()) {
                            broker.durability().store().addInboundQos2(clientId, p.packetId());
                        }
                    }
                }
                if (Log.DEBUG.isDebugEnabled()) {
                    Log.DEBUG.debug("Sending PUBREC to {} (m{}, rc{})", clientId, p.packetId(), rc);
                }
                acknowledge(new Packet.PubRec(p.packetId(), rc, Properties.EMPTY));
                if (fresh && accept && !routeFirst) {
                    route(topic, p, props);
                }
            }
        }
    }

    /**
     * Sends PUBACK/PUBREC once what the PUBLISH wrote is durable. With persistence on every acknowledgement
     * goes through the store's sync queue, which keeps them in the order the PUBLISHes came [MQTT-4.6.0-2].
     */
    private void acknowledge(Packet ack) {
        io.tern.broker.extension.ClusterRouting cluster = broker.clusterRouting();
        java.util.concurrent.CompletionStage<Void> forwarded = cluster == null ? null : cluster.forwarded();
        if (forwarded != null || (ackChain != null && !ackChain.isDone())) {
            // in a cluster: after the other nodes have the message, and still in PUBLISH order [MQTT-4.6.0-2]
            java.util.concurrent.CompletableFuture<Void> before = ackChain != null ? ackChain
                    : java.util.concurrent.CompletableFuture.completedFuture(null);
            java.util.concurrent.CompletableFuture<Void> sent = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Void> gate = forwarded != null ? forwarded.toCompletableFuture()
                    : java.util.concurrent.CompletableFuture.completedFuture(null);
            EventExecutor loop = conn.executor();
            before.runAfterBoth(gate, () -> { }).whenComplete((v, e) -> loop.execute(() -> {
                acknowledgeNow(ack);
                sent.complete(null);
            }));
            ackChain = sent;
            return;
        }
        acknowledgeNow(ack);
    }

    /** Acknowledgements waiting for the cluster, in order; null when none ever did. */
    private java.util.concurrent.CompletableFuture<Void> ackChain;

    private void acknowledgeNow(Packet ack) {
        Durability dur = broker.durability();
        if (dur == null) {
            conn.send(ack);
            return;
        }
        EventExecutor loop = conn.executor();
        dur.store().sync(() -> loop.execute(() -> conn.send(ack)));
    }

    /**
     * Routes a QoS 1/2 PUBLISH: whether a subscription matched, or null when the store could not write it
     * (disk full). It is then not
     * acknowledged: MQTT 5 clients get PUBACK/PUBREC 0x97 (Quota exceeded) and may retry later, 3.1.1 clients,
     * which have no way to hear it, lose the connection and resend after reconnecting.
     */
    private Boolean routedDurably(String topic, Packet.Publish p, Properties props) {
        try {
            return route(topic, p, props);
        } catch (io.tern.broker.store.StoreWriteException e) {
            Log.ERROR.error("Not acknowledging PUBLISH from {} (m{}): {}", clientId, p.packetId(), e.getMessage());
            if (version.isV5()) {
                conn.send(p.qos() == 1 ? new Packet.PubAck(p.packetId(), 0x97, Properties.EMPTY)
                        : new Packet.PubRec(p.packetId(), 0x97, Properties.EMPTY));
            } else {
                disconnect(0x97, "the store cannot write");
            }
            return null;
        }
    }

    /** Publishes what a client sent; false when no subscription matched it. */
    private boolean route(String topic, Packet.Publish p, Properties props) {
        if (topic.startsWith("$CONTROL/")) {
            // Mosquitto's control topics go to their plugin, never to subscribers
            broker.control(conn.listener(), topic, clientId, username, p.payload());
            return true;
        }
        long now = System.nanoTime();
        long expiry = Long.MAX_VALUE;
        if (props.has(PropertyId.MESSAGE_EXPIRY_INTERVAL)) {
            expiry = now + props.longValue(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0) * 1_000_000_000L;
        }
        Message msg = new Message(topic, p.payload(), p.qos(), p.retain(), props, clientId, now, expiry);
        if (p.retain() && broker.config().checkRetainSource()) {
            broker.retainSources().published(topic, p.payload().length == 0, clientId, username, conn.listener());
        }
        broker.publish(msg, session);
        return broker.router().lastPublishRouted() > 0;
    }

    private void onPubRel(Packet.PubRel r) {
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received PUBREL from {} (Mid: {})", clientId, r.packetId());
        }
        boolean known = session.inboundQos2.remove(r.packetId());
        if (known && session.durable()) {
            broker.durability().store().removeInboundQos2(clientId, r.packetId());
        }
        // an unknown id is a PUBREL repeated after a reconnect: Mosquitto completes it with success (0x92
        // "Packet Identifier not found" would be allowed too, MQTT 5 3.7.2.1)
        int rc = 0;
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Sending PUBCOMP to {} (m{})", clientId, r.packetId());
        }
        conn.send(new Packet.PubComp(r.packetId(), rc, Properties.EMPTY));
    }

    // ---------------------------------------------------------------- SUBSCRIBE

    private void onSubscribe(Packet.Subscribe s) {
        Settings cfg = broker.settings();
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received SUBSCRIBE from {}", clientId);
        }
        int subId = s.properties().subscriptionIdentifiers().isEmpty() ? 0
                : s.properties().subscriptionIdentifiers().get(0);
        List<Integer> codes = new ArrayList<>(s.subscriptions().size());
        List<Subscriber> added = new ArrayList<>(s.subscriptions().size());
        List<Boolean> existed = new ArrayList<>(s.subscriptions().size());
        for (Packet.Subscription sub : s.subscriptions()) {
            if (tooDeep(sub.filter())) {
                onMalformed(new MalformedPacketException(MalformedPacketException.MALFORMED, "topic filter with more than "
                        + MAX_TOPIC_LEVELS + " levels").packetType(s.type()));
                return;
            }
        }
        for (Packet.Subscription sub : s.subscriptions()) {
            String full = mounted(sub.filter());
            if (Log.DEBUG.isDebugEnabled()) {
                Log.DEBUG.debug("\t{} (QoS {})", full, sub.qos());
            }
            boolean shared = Topics.isShared(full);
            String filter = shared ? Topics.sharedTopicFilter(full) : full;
            // an acl_file grants any filter (Mosquitto 2.0) and read access is checked per message; a plugin may
            // refuse the SUBSCRIBE; deny_unreadable_subscriptions refuses a filter the ACL never lets this client read
            if (!sec().authorizer().canSubscribe(clientId, username, filter)
                    || (broker.config().strict().denyUnreadableSubscriptions()
                        && !sec().authorizer().canReadSome(clientId, username, filter))) {
                codes.add(version.isV5() ? 0x87 : 0x80);
                continue;
            }
            int granted = Math.min(sub.qos(), conn.listener().maxQos());
            // Mosquitto's bridges (3.1 / 3.1.1 with the bridge bit) get No Local and Retain As Published
            boolean bridged = !version.isV5() && conn.bridge();
            Subscriber entry = new Subscriber(session, filter, granted, sub.noLocal() || bridged,
                    sub.retainAsPublished() || bridged, sub.retainHandling(), subId);
            Subscriber old = broker.subscribe(full, entry);
            session.subscriptions.put(full, entry);
            codes.add(granted);
            if (!shared) {
                // retained messages are not sent to a shared subscription (MQTT 5 section 4.8.2)
                added.add(entry);
                existed.add(old != null);
            }
            if (Log.SUBSCRIBE.isInfoEnabled()) {
                Log.SUBSCRIBE.info("{} {} {}", clientId, granted, full);
            }
        }
        if (session.durable()) {
            broker.durability().saveSession(session, true);
        }
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Sending SUBACK to {}", clientId);
        }
        conn.send(new Packet.SubAck(s.packetId(), codes, Properties.EMPTY));
        // retained messages follow the SUBACK [MQTT-3.3.1-6]
        for (int i = 0; i < added.size(); i++) {
            Subscriber entry = added.get(i);
            if (entry.retainHandling() == 2 || (entry.retainHandling() == 1 && existed.get(i))) {
                continue;
            }
            for (Message m : broker.retained().match(entry.filter())) {
                if (!sec().authorizer().canRead(clientId, username, m.topic())) {
                    continue;
                }
                if (broker.config().checkRetainSource() && !broker.retainSources().mayDeliver(broker, m.topic())) {
                    continue;
                }
                int qos = cfg.upgradeOutgoingQos() ? entry.qos() : Math.min(m.qos(), entry.qos());
                broker.router().hand(session, new Delivery(m, qos, true, subId == 0 ? null : new int[] {subId}));
            }
        }
    }

    private void onUnsubscribe(Packet.Unsubscribe u) {
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received UNSUBSCRIBE from {}", clientId);
        }
        List<Integer> codes = version.isV5() ? new ArrayList<>(u.filters().size()) : List.of();
        for (String filter : u.filters()) {
            if (tooDeep(filter)) {
                onMalformed(new MalformedPacketException(MalformedPacketException.MALFORMED, "topic filter with more than "
                        + MAX_TOPIC_LEVELS + " levels").packetType(u.type()));
                return;
            }
        }
        for (String given : u.filters()) {
            String filter = mounted(given);
            if (!sec().authorizer().canUnsubscribe(clientId, username, filter)) {
                if (version.isV5()) {
                    codes.add(0x87);
                }
                continue;
            }
            boolean had = session.subscriptions.remove(filter) != null;
            if (had) {
                broker.unsubscribe(session, filter);
            }
            if (Log.UNSUBSCRIBE.isInfoEnabled()) {
                Log.UNSUBSCRIBE.info("{} {}", clientId, filter);
            }
            if (version.isV5()) {
                codes.add(had ? 0 : 0x11);
            }
        }
        if (session.durable()) {
            broker.durability().saveSession(session, true);
        }
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Sending UNSUBACK to {}", clientId);
        }
        conn.send(new Packet.UnsubAck(u.packetId(), codes, Properties.EMPTY));
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

    private void protocolError(String why) {
        onMalformed(new MalformedPacketException(MalformedPacketException.PROTOCOL_ERROR, why));
    }

    private void disconnect(int reasonCode, String why) {
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
        if (dollarDenied(w.topic()) || !sec().authorizer().canPublish(clientId, username, w.topic())) {
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
        Message msg = new Message(mounted(w.topic()), w.payload(), w.qos(), w.retain(), props, clientId, now, expiry);
        if (version.isV5() && delay > 0) {
            long effective = s.expirySeconds() >= 0 ? Math.min(delay, s.expirySeconds()) : delay;
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

    private ListenerSecurity sec() { return broker.security(conn.listener()); }
}
