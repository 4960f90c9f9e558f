package io.tern.broker.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One {@code connection NAME} section of mosquitto.conf: a bridge to a remote broker, with Mosquitto 2.0's
 * defaults (src/conf.c, {@code connection}): keep-alive 60 s, notifications on, start type automatic, idle
 * timeout 60 s, restart backoff 5..30 s, threshold 10, {@code try_private} on, attempt to unsubscribe on,
 * MQTT 3.1.1, {@code bridge_outgoing_retain} on, {@code cleansession} false and {@code local_cleansession}
 * as {@code cleansession}.
 *
 * <p>The section runs to the next {@code connection} line (Mosquitto never ends it otherwise: bridge options
 * after a {@code listener} line still belong to the last connection). Mutable while the parser fills it.
 */
public final class BridgeConfig {

    /** Where a bridge's topic goes: {@code out} (local to remote), {@code in} (remote to local), or both. */
    public enum Direction {
        OUT, IN, BOTH;

        public boolean out() { return this != IN; }

        public boolean in() { return this != OUT; }
    }

    /** {@code start_type}. */
    public enum StartType { AUTOMATIC, LAZY, ONCE }

    /** {@code bridge_protocol_version}: its config word and the CONNECT protocol level. */
    public enum ProtocolVersion {
        MQTTV31("mqttv31", 3), MQTTV311("mqttv311", 4), MQTTV50("mqttv50", 5);

        private final String configName;
        private final int level;

        ProtocolVersion(String configName, int level) {
            this.configName = configName;
            this.level = level;
        }

        public String configName() { return configName; }

        public int level() { return level; }
    }

    /** A remote address, {@code host[:port]} (port 1883 when not given). */
    public record Address(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /**
     * A {@code topic} line: the pattern, direction, QoS and prefixes as written (null for {@code ""} or not
     * given), and the filters Mosquitto derives from them ({@code localTopic = localPrefix + pattern},
     * {@code remoteTopic = remotePrefix + pattern}; just the prefix when the pattern is {@code ""}).
     */
    public record Topic(String pattern, Direction direction, int qos, String localPrefix, String remotePrefix,
                        String localTopic, String remoteTopic) {

        /**
         * Mosquitto's remapping of a topic that arrived from the remote broker on this line's
         * {@link #remoteTopic()}: the remote prefix comes off, the local prefix goes on.
         */
        public String toLocal(String remote) {
            String t = remote;
            if (remotePrefix != null && t.startsWith(remotePrefix)) {
                t = t.substring(remotePrefix.length());
            }
            return localPrefix != null ? localPrefix + t : t;
        }

        /** The reverse, for a local topic matching {@link #localTopic()} that goes out. */
        public String toRemote(String local) {
            String t = local;
            if (localPrefix != null && t.startsWith(localPrefix)) {
                t = t.substring(localPrefix.length());
            }
            return remotePrefix != null ? remotePrefix + t : t;
        }
    }

    private final String name;
    private final Location location;
    private final List<Address> addresses = new ArrayList<>();
    private Location addressLocation;
    private final List<Topic> topics = new ArrayList<>();
    private boolean roundRobin;
    private ProtocolVersion protocolVersion = ProtocolVersion.MQTTV311;
    private boolean cleanSession;
    private Boolean localCleanSession;
    private String remoteClientId;
    private String localClientId;
    private String remoteUsername;
    private String remotePassword;
    private String localUsername;
    private String localPassword;
    private int keepalive = 60;
    private int idleTimeout = 60;
    private boolean notifications = true;
    private boolean notificationsLocalOnly;
    private String notificationTopic;
    private int restartTimeout;
    private int backoffBase = 5;
    private int backoffCap = 30;
    private StartType startType = StartType.AUTOMATIC;
    private int threshold = 10;
    private boolean tryPrivate = true;
    private boolean attemptUnsubscribe = true;
    private String bindAddress;
    private long maxPacketSize;
    private boolean outgoingRetain = true;
    private long sessionExpiryInterval;
    private int maxTopicAlias;
    private String cafile;
    private String capath;
    private String certfile;
    private String keyfile;
    private boolean insecure;
    private String tlsVersion;
    private String alpn;
    private String identity;
    private String psk;

    /** A bridge called {@code name}, defined at {@code location} (null when built in code). */
    public BridgeConfig(String name, Location location) {
        this.name = Objects.requireNonNull(name, "name");
        this.location = location;
    }

    public String name() { return name; }

    /** The {@code connection} line; null when built in code. */
    public Location location() { return location; }

    public List<Address> addresses() { return Collections.unmodifiableList(addresses); }

    public BridgeConfig address(String host, int port) {
        addresses.add(new Address(host, port));
        return this;
    }

    Location addressLocation() { return addressLocation; }

    void addressLocation(Location at) { this.addressLocation = at; }

    public List<Topic> topics() { return Collections.unmodifiableList(topics); }

    /** Adds a topic line; {@code localPrefix}/{@code remotePrefix} may be null, {@code pattern} null for {@code ""}. */
    public BridgeConfig topic(String pattern, Direction direction, int qos, String localPrefix, String remotePrefix) {
        String base = pattern == null ? "" : pattern;
        topics.add(new Topic(pattern, direction, qos, localPrefix, remotePrefix,
                localPrefix == null ? base : localPrefix + base, remotePrefix == null ? base : remotePrefix + base));
        return this;
    }

    public boolean roundRobin() { return roundRobin; }

    public BridgeConfig roundRobin(boolean v) { roundRobin = v; return this; }

    public ProtocolVersion protocolVersion() { return protocolVersion; }

    public BridgeConfig protocolVersion(ProtocolVersion v) { protocolVersion = v; return this; }

    /** {@code cleansession}: a clean session at the remote broker. */
    public boolean cleanSession() { return cleanSession; }

    public BridgeConfig cleanSession(boolean v) { cleanSession = v; return this; }

    /** {@code local_cleansession}; {@link #cleanSession()} when not set. */
    public boolean localCleanSession() { return localCleanSession != null ? localCleanSession : cleanSession; }

    public BridgeConfig localCleanSession(boolean v) { localCleanSession = v; return this; }

    /** {@code remote_clientid}; Mosquitto's default is {@code HOSTNAME.NAME}, filled in by the parser. */
    public String remoteClientId() { return remoteClientId; }

    public BridgeConfig remoteClientId(String v) { remoteClientId = v; return this; }

    /** {@code local_clientid}; default {@code local.REMOTE_CLIENTID}. */
    public String localClientId() {
        return localClientId != null ? localClientId : remoteClientId == null ? null : "local." + remoteClientId;
    }

    public BridgeConfig localClientId(String v) { localClientId = v; return this; }

    public String remoteUsername() { return remoteUsername; }

    public BridgeConfig remoteUsername(String v) { remoteUsername = v; return this; }

    public String remotePassword() { return remotePassword; }

    public BridgeConfig remotePassword(String v) { remotePassword = v; return this; }

    public String localUsername() { return localUsername; }

    public BridgeConfig localUsername(String v) { localUsername = v; return this; }

    public String localPassword() { return localPassword; }

    public BridgeConfig localPassword(String v) { localPassword = v; return this; }

    /** {@code keepalive_interval} in seconds (5..65535). */
    public int keepalive() { return keepalive; }

    public BridgeConfig keepalive(int v) { keepalive = v; return this; }

    /** {@code idle_timeout} in seconds, for lazy bridges. */
    public int idleTimeout() { return idleTimeout; }

    public BridgeConfig idleTimeout(int v) { idleTimeout = v; return this; }

    public boolean notifications() { return notifications; }

    public BridgeConfig notifications(boolean v) { notifications = v; return this; }

    public boolean notificationsLocalOnly() { return notificationsLocalOnly; }

    public BridgeConfig notificationsLocalOnly(boolean v) { notificationsLocalOnly = v; return this; }

    /** {@code notification_topic}, or {@code $SYS/broker/connection/REMOTE_CLIENTID/state}. */
    public String notificationTopic() {
        return notificationTopic != null ? notificationTopic : "$SYS/broker/connection/" + remoteClientId + "/state";
    }

    public BridgeConfig notificationTopic(String v) { notificationTopic = v; return this; }

    /**
     * {@code restart_timeout} with one value: the constant wait between attempts in seconds; 0 when not set
     * (then {@link #backoffBase()}..{@link #backoffCap()} with jitter applies, Mosquitto's default 5..30).
     */
    public int restartTimeout() { return restartTimeout; }

    public int backoffBase() { return backoffBase; }

    /** The cap of the backoff; 0 for a constant {@link #restartTimeout()}. */
    public int backoffCap() { return backoffCap; }

    /** {@code restart_timeout BASE [CAP]}: a constant wait without {@code cap}, backoff with jitter with it. */
    public BridgeConfig restartTimeout(int base, Integer cap) {
        restartTimeout = base;
        if (cap != null) {
            backoffBase = base;
            backoffCap = cap;
        } else {
            // Mosquitto keeps backoff_cap 30 with restart_timeout alone, but its first wait is then
            // restart_timeout and its jitter starts from the default base 5; a constant wait is what users read
            backoffBase = base;
            backoffCap = 0;
        }
        return this;
    }

    public StartType startType() { return startType; }

    public BridgeConfig startType(StartType v) { startType = v; return this; }

    /** {@code threshold}: queued messages that start a lazy bridge. */
    public int threshold() { return threshold; }

    public BridgeConfig threshold(int v) { threshold = v; return this; }

    public boolean tryPrivate() { return tryPrivate; }

    public BridgeConfig tryPrivate(boolean v) { tryPrivate = v; return this; }

    public boolean attemptUnsubscribe() { return attemptUnsubscribe; }

    public BridgeConfig attemptUnsubscribe(boolean v) { attemptUnsubscribe = v; return this; }

    public String bindAddress() { return bindAddress; }

    public BridgeConfig bindAddress(String v) { bindAddress = v; return this; }

    /** {@code bridge_max_packet_size}; 0 for no limit. */
    public long maxPacketSize() { return maxPacketSize; }

    public BridgeConfig maxPacketSize(long v) { maxPacketSize = v; return this; }

    public boolean outgoingRetain() { return outgoingRetain; }

    /**
     * Tern's {@code bridge_session_expiry_interval}: the Session Expiry Interval a 5.0 bridge with
     * {@code cleansession false} asks of the remote; 0 (none sent) by default, as Mosquitto 2.0.11.
     */
    public long sessionExpiryInterval() { return sessionExpiryInterval; }

    public BridgeConfig sessionExpiryInterval(long v) { sessionExpiryInterval = v; return this; }

    /**
     * Tern's {@code bridge_max_topic_alias}: at most this many topic aliases a 5.0 bridge gives the topics it
     * forwards, within the remote's Topic Alias Maximum; 0 (none) by default, as Mosquitto 2.0's bridges send none.
     */
    public int maxTopicAlias() { return maxTopicAlias; }

    public BridgeConfig maxTopicAlias(int v) { maxTopicAlias = v; return this; }

    public BridgeConfig outgoingRetain(boolean v) { outgoingRetain = v; return this; }

    public String cafile() { return cafile; }

    public BridgeConfig cafile(String v) { cafile = v; return this; }

    public String capath() { return capath; }

    public BridgeConfig capath(String v) { capath = v; return this; }

    public String certfile() { return certfile; }

    public BridgeConfig certfile(String v) { certfile = v; return this; }

    public String keyfile() { return keyfile; }

    public BridgeConfig keyfile(String v) { keyfile = v; return this; }

    public boolean insecure() { return insecure; }

    public BridgeConfig insecure(boolean v) { insecure = v; return this; }

    /** {@code bridge_tls_version} as written ({@code tlsv1.2}, ...), or null. */
    public String tlsVersion() { return tlsVersion; }

    public BridgeConfig tlsVersion(String v) { tlsVersion = v; return this; }

    public String alpn() { return alpn; }

    public BridgeConfig alpn(String v) { alpn = v; return this; }

    /** {@code bridge_identity} (TLS-PSK). */
    public String identity() { return identity; }

    public BridgeConfig identity(String v) { identity = v; return this; }

    /** {@code bridge_psk}: the key in hex. */
    public String psk() { return psk; }

    public BridgeConfig psk(String v) { psk = v; return this; }

    /** Whether the bridge speaks certificate TLS (a CA file or path). */
    public boolean usesCertificateTls() { return cafile != null || capath != null; }

    public boolean usesPsk() { return identity != null && psk != null; }

    @Override
    public String toString() {
        return "BridgeConfig[" + name + " " + addresses + " " + topics.size() + " topics]";
    }
}
