package io.tern.client;

import io.netty.channel.EventLoopGroup;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An MQTT 3.1 / 3.1.1 / 5.0 client over {@code tcp://}, {@code ssl://}, {@code ws://} and {@code wss://}.
 *
 * <pre>{@code
 * MqttClient client = MqttClient.builder()
 *         .serverUri("tcp://localhost:1883")
 *         .clientId("sensor-7")
 *         .automaticReconnect(true)
 *         .build();
 * client.connect().join();
 * client.subscribe("cmd/sensor-7/#", 1, msg -> System.out.println(msg.payloadAsString()));
 * client.publish("temp/sensor-7", "21.5".getBytes(), 1, false).join();
 * client.disconnect().join();
 * }</pre>
 *
 * <p>Every operation returns at once with a {@link CompletableFuture}; {@link #blocking()} gives the same calls
 * waiting for their result. A QoS 1 publish completes on PUBACK, a QoS 2 publish on PUBCOMP, a QoS 0 publish when
 * written to the socket. While a connection is lost and the client reconnects, publishes, subscribes and
 * unsubscribes wait in a bounded offline buffer; after a reconnect the client resends unacknowledged messages
 * (with DUP when the broker resumed the session) and restores its subscriptions unless the broker kept them.
 *
 * <p>The client is thread-safe. Its handlers and listeners run on its own I/O thread.
 */
public final class MqttClient implements AutoCloseable {

    private final ClientSession session;

    private MqttClient(ClientConfig config) {
        this.session = new ClientSession(config);
    }

    /** A builder with Mosquitto's defaults: tcp://localhost:1883, MQTT 3.1.1, clean start, keep-alive 60 s. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the connection and sends CONNECT. Completes with the CONNACK, or exceptionally with
     * {@link ConnectionRefusedException} (the broker said no), or an I/O error / timeout. Calling it while
     * connected or connecting returns the same future.
     */
    public CompletableFuture<ConnectResult> connect() {
        return session.connect();
    }

    /** Publishes a message without MQTT 5 properties. */
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retain) {
        return publish(MqttMessage.of(topic, payload, qos, retain));
    }

    /** Publishes a UTF-8 text message. */
    public CompletableFuture<Void> publish(String topic, String payload, int qos, boolean retain) {
        return publish(MqttMessage.of(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain));
    }

    /**
     * Publishes a message (its MQTT 5 properties are sent on 5.0 connections). Fails with
     * {@link IllegalArgumentException} for a topic with wildcards, with {@link MqttClientException} when the
     * broker answers with a failure reason code, the offline buffer is full, or the client is disconnected. With
     * {@link Builder#topicAliasMaximum(int)} set, a message carrying its own Topic Alias is refused
     * ({@link IllegalArgumentException}): the client owns the aliases then.
     */
    public CompletableFuture<Void> publish(MqttMessage message) {
        if (session.config().topicAliasMaximum() > 0
                && message.properties().has(io.tern.codec.PropertyId.TOPIC_ALIAS)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "a message must not carry its own Topic Alias when the client assigns them (topicAliasMaximum)"));
        }
        if (!TopicFilter.isValidTopicName(message.topic())
                && !(message.topic().isEmpty() && message.properties().has(io.tern.codec.PropertyId.TOPIC_ALIAS))) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "invalid topic name '" + message.topic() + "': it must not be empty nor contain + or #"));
        }
        return session.publish(message);
    }

    /**
     * Publishes a QoS 1/2 message under {@code packetId} (1..65535), not one of this client's: a bridge forwards a
     * delivery under the id its local session gave it, so that session's resend after a restart (same id, DUP)
     * meets the same flow at the broker. Needs a {@link Builder#sessionState(SessionState)}. The future completes
     * at PUBACK, and for QoS 2 already at PUBREC: this client sends no PUBREL until {@link #release(int)}. While
     * another flow of this session (a SUBSCRIBE) holds the id, the message waits for it, and what was published
     * after it waits behind it. Publishing again under an id whose flow is in flight joins that flow. Sent with
     * DUP when {@code dup} (the first copy may have gone before a restart), and with DUP when resent.
     */
    public CompletableFuture<Void> publish(MqttMessage message, int packetId, boolean dup) {
        if (session.config().sessionState() == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "a publish under a given packet id needs a SessionState (Builder.sessionState)"));
        }
        if (message.qos() == 0 || packetId < 1 || packetId > 65535) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "a publish under a given packet id is QoS 1 or 2 with an id 1..65535"));
        }
        if (!TopicFilter.isValidTopicName(message.topic())) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "invalid topic name '" + message.topic() + "': it must not be empty nor contain + or #"));
        }
        return session.publish(message, packetId, dup);
    }

    /**
     * Sends PUBREL for the QoS 2 message under {@code packetId} that the broker PUBREC'd: one published with
     * {@link #publish(MqttMessage, int, boolean)} (its future completed), or one sent before a restart of the
     * application, which this session does not know: then PUBREL only, as the QoS 2 flow continues after a
     * reconnect [MQTT-4.4.0-1]. The future completes at PUBCOMP. Needs a {@link Builder#sessionState}.
     */
    public CompletableFuture<Void> release(int packetId) {
        if (session.config().sessionState() == null || packetId < 1 || packetId > 65535) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "a release needs a SessionState (Builder.sessionState) and a packet id 1..65535"));
        }
        return session.release(packetId);
    }

    /**
     * With {@link Builder#manualAcknowledgement(boolean)}: acknowledges a received QoS 1 (PUBACK) or QoS 2 (PUBREC)
     * message. Ignored for QoS 0, for a message already acknowledged, and after the connection it came on was
     * lost (the broker sends it again).
     */
    public void acknowledge(MqttMessage message) {
        session.acknowledge(message);
    }

    /**
     * Answers an incoming PUBREL handed to {@link SessionState#releasesTo}'s handler with PUBCOMP, on this
     * connection; nothing when it is not connected (the broker sends the PUBREL again after the reconnect).
     */
    public void completeRelease(int packetId) {
        session.completeRelease(packetId);
    }

    /** Subscribes to one filter; messages that match it go to {@code handler}. */
    public CompletableFuture<SubscribeResult> subscribe(String filter, int qos, MessageHandler handler) {
        return subscribe(List.of(new Packet.Subscription(filter, qos)), Properties.EMPTY, handler);
    }

    /**
     * Subscribes to several filters in one SUBSCRIBE, with MQTT 5 options (no local, retain as published,
     * retain handling) and properties (e.g. a subscription identifier). {@code handler} may be null to use the
     * default handler.
     */
    public CompletableFuture<SubscribeResult> subscribe(List<Packet.Subscription> subscriptions,
                                                        Properties properties, MessageHandler handler) {
        if (subscriptions.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no topic filter to subscribe to"));
        }
        for (Packet.Subscription s : subscriptions) {
            if (!TopicFilter.isValidFilter(s.filter())) {
                return CompletableFuture.failedFuture(new IllegalArgumentException(
                        "invalid topic filter '" + s.filter() + "'"));
            }
            if (s.qos() < 0 || s.qos() > 2) {
                return CompletableFuture.failedFuture(new IllegalArgumentException(
                        "QoS must be 0, 1 or 2, not " + s.qos()));
            }
        }
        return session.subscribe(List.copyOf(subscriptions), properties == null ? Properties.EMPTY : properties,
                handler);
    }

    /** Unsubscribes from filters; their handlers stop receiving at once. */
    public CompletableFuture<UnsubscribeResult> unsubscribe(String... filters) {
        return unsubscribe(List.of(filters), Properties.EMPTY);
    }

    /** Unsubscribes from filters with MQTT 5 properties. */
    public CompletableFuture<UnsubscribeResult> unsubscribe(List<String> filters, Properties properties) {
        if (filters.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no topic filter to unsubscribe"));
        }
        return session.unsubscribe(List.copyOf(filters), properties == null ? Properties.EMPTY : properties);
    }

    /**
     * Sends DISCONNECT (normal disconnection: the broker discards the Will) and closes the connection. Publishes
     * still waiting for acknowledgement fail; automatic reconnect stops. {@link #connect()} may be called again.
     */
    public CompletableFuture<Void> disconnect() {
        return disconnect(0, Properties.EMPTY);
    }

    /** Sends DISCONNECT with an MQTT 5 reason code (0x04 asks the broker to publish the Will) and properties. */
    public CompletableFuture<Void> disconnect(int reasonCode, Properties properties) {
        return session.disconnect(reasonCode, properties == null ? Properties.EMPTY : properties);
    }

    /** Whether a connection is established and its CONNACK accepted. */
    public boolean isConnected() {
        return session.isConnected();
    }

    /** The client identifier in use: the configured one, or the broker-assigned one after connecting. */
    public String clientId() {
        return session.clientId();
    }

    /** The protocol version this client speaks. */
    public MqttVersion version() {
        return session.config().version();
    }

    /** A blocking view of this client. */
    public BlockingMqttClient blocking() {
        return new BlockingMqttClient(this);
    }

    /**
     * Closes the connection without DISCONNECT (the broker publishes the Will) and releases the I/O thread.
     * Pending operations fail.
     */
    public void abort() {
        session.abort();
    }

    /** Disconnects if connected, then releases the I/O thread. */
    @Override
    public void close() {
        session.close();
    }

    /** Builds an {@link MqttClient}. */
    public static final class Builder {
        private URI serverUri = URI.create("tcp://localhost:1883");
        private MqttVersion version = MqttVersion.MQTT_3_1_1;
        private String clientId = "";
        private boolean cleanStart = true;
        private int keepAlive = 60;
        private String username;
        private byte[] password;
        private Packet.Will will;
        private Properties connectProperties = Properties.EMPTY;
        private TlsSettings tls;
        private String localAddress;
        private boolean tcpNoDelay = true;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private boolean automaticReconnect;
        private Duration reconnectInitialDelay = Duration.ofSeconds(1);
        private Duration reconnectMaxDelay = Duration.ofMinutes(2);
        private int maxInflight = 20;
        private int offlineBufferLimit = 1000;
        private MessageHandler defaultHandler;
        private ConnectionListener listener;
        private PacketTrace trace;
        private EventLoopGroup eventLoopGroup;
        private String webSocketSubprotocol;
        private boolean bridge;
        private boolean manualAcks;
        private int topicAliasMaximum;
        private SessionState sessionState;

        private Builder() {
        }

        /**
         * The broker: {@code tcp://host:port} (also {@code mqtt://}), {@code ssl://} (also {@code mqtts://}),
         * {@code ws://host:port/path}, {@code wss://host:port/path}. Ports default to 1883, 8883, 80, 443.
         */
        public Builder serverUri(String uri) {
            URI u = URI.create(uri);
            if (u.getHost() == null) {
                throw new IllegalArgumentException("server URI '" + uri + "' has no host");
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!List.of("tcp", "mqtt", "ssl", "mqtts", "tls", "ws", "wss").contains(scheme)) {
                throw new IllegalArgumentException("server URI '" + uri
                        + "': scheme must be tcp, mqtt, ssl, mqtts, ws or wss");
            }
            this.serverUri = u;
            return this;
        }

        /** The protocol version; 3.1.1 by default. */
        public Builder version(MqttVersion version) {
            this.version = Objects.requireNonNull(version);
            return this;
        }

        /** The client identifier; empty (the default) lets the broker choose one. */
        public Builder clientId(String clientId) {
            this.clientId = clientId == null ? "" : clientId;
            return this;
        }

        /** Clean start (5.0) / clean session (3.1.1); true by default. */
        public Builder cleanStart(boolean cleanStart) {
            this.cleanStart = cleanStart;
            return this;
        }

        /** Keep-alive in seconds, 0 to disable; 60 by default. */
        public Builder keepAlive(int seconds) {
            if (seconds < 0 || seconds > 65535) {
                throw new IllegalArgumentException("keep-alive must be 0..65535 seconds, not " + seconds);
            }
            this.keepAlive = seconds;
            return this;
        }

        /** User name and password (either may be null). */
        public Builder credentials(String username, byte[] password) {
            this.username = username;
            this.password = password;
            return this;
        }

        /** User name and UTF-8 password (either may be null). */
        public Builder credentials(String username, String password) {
            return credentials(username, password == null ? null : password.getBytes(StandardCharsets.UTF_8));
        }

        /** The Will the broker publishes when the connection ends without DISCONNECT. */
        public Builder will(String topic, byte[] payload, int qos, boolean retain) {
            return will(new Packet.Will(topic, payload == null ? new byte[0] : payload, qos, retain,
                    Properties.EMPTY));
        }

        /** The Will with MQTT 5 will properties. */
        public Builder will(Packet.Will will) {
            if (will != null && !TopicFilter.isValidTopicName(will.topic())) {
                throw new IllegalArgumentException("invalid will topic '" + will.topic() + "'");
            }
            this.will = will;
            return this;
        }

        /** MQTT 5 CONNECT properties (session expiry, receive maximum, user properties, ...). */
        public Builder connectProperties(Properties properties) {
            this.connectProperties = properties == null ? Properties.EMPTY : properties;
            return this;
        }

        /** TLS settings for ssl:// and wss:// (the JDK defaults when not set). */
        public Builder tls(TlsSettings tls) {
            this.tls = tls;
            return this;
        }

        /**
         * TLS-PSK for {@code ssl://} (and {@code wss://}): the same as {@code tls(TlsSettings.psk(identity, key))}.
         * Needs BouncyCastle's {@code bctls-jdk18on} on the class path.
         *
         * @param identity the PSK identity the broker looks the key up by
         * @param key      the pre-shared key's bytes
         */
        public Builder psk(String identity, byte[] key) {
            this.tls = TlsSettings.psk(Objects.requireNonNull(identity), key);
            return this;
        }

        /** Local address to bind the socket to (Mosquitto's {@code -A}). */
        public Builder localAddress(String address) {
            this.localAddress = address;
            return this;
        }

        /** TCP_NODELAY; true by default. */
        public Builder tcpNoDelay(boolean noDelay) {
            this.tcpNoDelay = noDelay;
            return this;
        }

        /** How long to wait for the socket and the CONNACK; 30 s by default. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Reconnect after a lost connection, with exponential backoff from 1 s to 2 min and jitter. */
        public Builder automaticReconnect(boolean enabled) {
            this.automaticReconnect = enabled;
            return this;
        }

        /** Reconnect with backoff between {@code initialDelay} and {@code maxDelay} (each delay jittered). */
        public Builder automaticReconnect(Duration initialDelay, Duration maxDelay) {
            if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
                throw new IllegalArgumentException("reconnect delays must satisfy 0 <= initial <= max");
            }
            this.automaticReconnect = true;
            this.reconnectInitialDelay = initialDelay;
            this.reconnectMaxDelay = maxDelay;
            return this;
        }

        /**
         * QoS 1/2 publishes in flight at once (further ones wait); 20 by default, lowered to the broker's Receive
         * Maximum on 5.0.
         */
        public Builder maxInflight(int max) {
            if (max < 1 || max > 65535) {
                throw new IllegalArgumentException("max in-flight must be 1..65535, not " + max);
            }
            this.maxInflight = max;
            return this;
        }

        /** Operations kept while reconnecting; beyond it they fail at once. 1000 by default. */
        public Builder offlineBufferLimit(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("offline buffer limit must not be negative");
            }
            this.offlineBufferLimit = limit;
            return this;
        }

        /** Receives messages that match no subscription's handler. */
        public Builder defaultHandler(MessageHandler handler) {
            this.defaultHandler = handler;
            return this;
        }

        /** Follows connects, losses and reconnect attempts. */
        public Builder connectionListener(ConnectionListener listener) {
            this.listener = listener;
            return this;
        }

        /** Sees every packet sent and received (debug output). */
        public Builder packetTrace(PacketTrace trace) {
            this.trace = trace;
            return this;
        }

        /**
         * Runs the client on a shared Netty event loop group (the client then does not shut it down); by default
         * each client owns a one-thread group.
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = group;
            return this;
        }

        /** The WebSocket subprotocol; "mqtt" by default ("mqttv3.1" for MQTT 3.1). */
        public Builder webSocketSubprotocol(String subprotocol) {
            this.webSocketSubprotocol = subprotocol;
            return this;
        }

        /**
         * Connects as a Mosquitto-style bridge: on MQTT 3.1 / 3.1.1 the CONNECT's protocol level gets bit 7
         * (0x83 / 0x84, Mosquitto's {@code try_private}), which tells Mosquitto and Tern not to send back what
         * this client publishes and to keep retained flags as published. No effect on 5.0, where a bridge asks
         * for that per subscription (No Local, Retain As Published). Off by default.
         */
        public Builder bridge(boolean bridge) {
            this.bridge = bridge;
            return this;
        }

        /**
         * Acknowledge received QoS 1/2 messages only when {@link MqttClient#acknowledge(MqttMessage)} is called
         * (PUBACK, or PUBREC for QoS 2), e.g. once the message is stored, instead of when the handler returns.
         * Call it in the order the messages arrived [MQTT-4.6.0-2]. Off by default.
         */
        public Builder manualAcknowledgement(boolean manual) {
            this.manualAcks = manual;
            return this;
        }

        /**
         * MQTT 5: give the topics this client publishes topic aliases, at most {@code max} per connection and never
         * more than the broker's Topic Alias Maximum (its CONNACK; none when it sends none). A topic's first
         * PUBLISH carries the topic and its alias, later ones only the alias; when all are taken the least
         * recently used alias goes to the new topic. Aliases start afresh on every connection, so a resend after a
         * reconnect carries its full topic. The application then must not set a Topic Alias itself. 0, the
         * default, turns this off (an application's own Topic Alias is sent as given).
         */
        public Builder topicAliasMaximum(int max) {
            if (max < 0 || max > 65535) {
                throw new IllegalArgumentException("topic alias maximum must be 0..65535, not " + max);
            }
            this.topicAliasMaximum = max;
            return this;
        }

        /**
         * Continues a session that outlives this client (see {@link SessionState}): packet ids, messages in flight
         * both ways. For a bridge that builds a new client for each connection attempt, as Mosquitto's bridge
         * keeps one session across its reconnects. None by default: the session lives and dies with this client.
         */
        public Builder sessionState(SessionState state) {
            this.sessionState = state;
            return this;
        }

        public MqttClient build() {
            if (version != MqttVersion.MQTT_5 && !connectProperties.isEmpty()) {
                throw new IllegalArgumentException("CONNECT properties need MQTT 5");
            }
            String sub = webSocketSubprotocol != null ? webSocketSubprotocol
                    : version == MqttVersion.MQTT_3_1 ? "mqttv3.1" : "mqtt";
            return new MqttClient(new ClientConfig(serverUri, version, clientId, cleanStart, keepAlive, username,
                    password, will, connectProperties, tls, localAddress, tcpNoDelay, connectTimeout,
                    automaticReconnect, reconnectInitialDelay, reconnectMaxDelay, maxInflight, offlineBufferLimit,
                    defaultHandler, listener, trace, eventLoopGroup, sub, bridge, manualAcks, topicAliasMaximum,
                    sessionState));
        }
    }
}
