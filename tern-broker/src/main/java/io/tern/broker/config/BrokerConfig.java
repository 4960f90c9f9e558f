package io.tern.broker.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The broker's configuration with Mosquitto 2.0's meanings and defaults: what {@link ConfigParser} reads from
 * a {@code mosquitto.conf}, or what an embedding application builds in code.
 *
 * <p>Mutable and fluent: each getter is the Mosquitto option name in lowerCamelCase
 * ({@code max_inflight_messages} → {@link #maxInflightMessages()}) and the setter of the same name returns
 * {@code this}. Options read from a file remember where they were set ({@link #locationOf(String)}) so the
 * broker can refuse, with that location, a feature it cannot honour yet
 * ({@link ConfigException#notSupported(Location, String)}).
 *
 * <p>Listeners: {@link #listeners()} are the {@code listener} lines. {@link #effectiveListeners()} are the
 * ones to open, following Mosquitto 2.0: the explicit listeners, plus the "default listener" when
 * {@code port}/{@code bind_address} or listener options before the first {@code listener} line ask for it,
 * or, when there is none of these, one loopback-only listener on 1883 ({@link ListenerConfig#localOnly()})
 * where anonymous clients are allowed.
 *
 * <p>Paths ({@code password_file}, {@code persistence_location}, ...) are kept as written; Mosquitto resolves
 * relative ones against the working directory, and so does {@link #resolve(String)}.
 */
public final class BrokerConfig {

    /** Mosquitto 2.0's default log types. */
    public static final Set<LogType> DEFAULT_LOG_TYPES =
            Collections.unmodifiableSet(EnumSet.of(LogType.ERROR, LogType.WARNING, LogType.NOTICE, LogType.INFORMATION));

    private Path sourceFile;
    private Path workingDirectory;

    private final ListenerConfig defaultListener = ListenerConfig.unplacedDefault();
    private final List<ListenerConfig> listeners = new ArrayList<>();

    private boolean perListenerSettings;
    private Boolean allowAnonymous;
    private String passwordFile;
    private String aclFile;
    private String pskFile;
    private boolean allowZeroLengthClientid = true;
    private String autoIdPrefix;
    private String clientidPrefixes;
    private final List<PluginConfig> plugins = new ArrayList<>();

    private int maxInflightMessages = 20;
    private int maxQueuedMessages = 1000;
    private long maxQueuedBytes;
    private long maxInflightBytes;
    private boolean checkRetainSource;
    private boolean queueQos0Messages;
    private int messageSizeLimit;
    private int maxPacketSize;
    private int maxKeepalive = 65535;
    private Duration persistentClientExpiration = Duration.ZERO;
    private int sysInterval = 10;
    private boolean retainAvailable = true;
    private boolean setTcpNodelay = true;
    private boolean upgradeOutgoingQos;
    private StrictOptions strict = StrictOptions.MOSQUITTO;

    private Set<LogDestination> logDest = EnumSet.of(LogDestination.STDERR);
    private String logFile;
    private Set<LogType> logType = EnumSet.copyOf(DEFAULT_LOG_TYPES);
    private boolean logTimestamp = true;
    private String logTimestampFormat;
    private boolean connectionMessages = true;

    private String pidFile;
    private String user = "mosquitto";

    private SharedSubscriptionStrategy sharedSubscriptionStrategy = SharedSubscriptionStrategy.ROUND_ROBIN;
    private boolean persistence;
    private String persistenceFile = "mosquitto.db";
    private String persistenceLocation;
    private int autosaveInterval = 1800;
    private boolean autosaveOnChanges;
    private PersistenceSync persistenceSync = PersistenceSync.BATCH;
    private final ClusterConfig cluster = new ClusterConfig();

    private HttpOptions http = HttpOptions.DEFAULT;
    private FloodLimits floodLimits = FloodLimits.NONE;

    private final Map<String, Location> locations = new LinkedHashMap<>();
    private final List<ConfigProblem> warnings = new ArrayList<>();

    /** A configuration with Mosquitto 2.0's defaults and no listener (so: loopback only, port 1883). */
    public BrokerConfig() {
    }

    /** The {@code cluster_*} options; {@link ClusterConfig#enabled()} is false without {@code cluster_name}. */
    public ClusterConfig cluster() {
        return cluster;
    }

    // ---- provenance ----------------------------------------------------------------------------------

    /** The main file this configuration was read from; empty when built in code. */
    public Optional<Path> sourceFile() {
        return Optional.ofNullable(sourceFile);
    }

    BrokerConfig sourceFile(Path file) {
        this.sourceFile = file;
        return this;
    }

    /**
     * Where a global option (Mosquitto name, e.g. {@code persistence}, {@code psk_file}) was last set; empty if
     * it was not set in a file. Listener options are found with {@link ListenerConfig#locationOf(String)}
     * (and {@code port}/{@code bind_address}/options before the first listener on the default listener).
     */
    public Optional<Location> locationOf(String option) {
        return Optional.ofNullable(locations.get(option));
    }

    /** The global options set in a file, by Mosquitto name. */
    public Map<String, Location> locations() {
        return Collections.unmodifiableMap(locations);
    }

    void record(String option, Location where) {
        locations.put(option, where);
    }

    /**
     * Things the file does that Mosquitto accepts with a notice (deprecated options, options that have no
     * effect); the broker logs them at start-up.
     */
    public List<ConfigProblem> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    void warn(ConfigProblem warning) {
        warnings.add(warning);
    }

    /** The directory relative paths are resolved against: the JVM's working directory unless set. */
    public Path workingDirectory() {
        return workingDirectory != null ? workingDirectory : Path.of("").toAbsolutePath();
    }

    public BrokerConfig workingDirectory(Path workingDirectory) {
        this.workingDirectory = workingDirectory;
        return this;
    }

    /**
     * A path from the configuration (as written) resolved the way Mosquitto does: absolute paths as they are,
     * relative ones against {@link #workingDirectory()} (not the configuration file's directory).
     */
    public Path resolve(String writtenPath) {
        Objects.requireNonNull(writtenPath, "writtenPath");
        Path p = Path.of(writtenPath);
        return p.isAbsolute() ? p : workingDirectory().resolve(p).normalize();
    }

    // ---- listeners -----------------------------------------------------------------------------------

    /** The listeners defined with {@code listener}, in file order. */
    public List<ListenerConfig> listeners() {
        return Collections.unmodifiableList(listeners);
    }

    /** Adds a listener, as a {@code listener} line does. */
    public BrokerConfig addListener(ListenerConfig listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * The default listener: what {@code port}, {@code bind_address} and listener options written before the
     * first {@code listener} line configure. Its {@link ListenerConfig#port()} is 0 until {@code port} is set
     * (it opens on 1883). It is only opened when {@link #defaultListenerActive()}.
     */
    public ListenerConfig defaultListener() {
        return defaultListener;
    }

    /**
     * Whether Mosquitto 2.0 would open the default listener: {@code port} or {@code bind_address} was given,
     * or a listener option that starts it was set before the first {@code listener} line.
     */
    public boolean defaultListenerActive() {
        return defaultListener.activatesDefaultListener();
    }

    /**
     * Mosquitto 2.0's "local only" mode: no {@code listener}, {@code port} or {@code bind_address} at all.
     * Then anonymous clients are allowed whatever {@code allow_anonymous} says (Mosquitto forces it), and if
     * nothing else starts the default listener the broker listens on loopback only.
     */
    public boolean localOnly() {
        return listeners.isEmpty() && defaultListener.port() == 0 && defaultListener.bindAddress() == null;
    }

    /**
     * The listeners to open: {@link #listeners()}, then the default listener (port 1883 unless {@code port}
     * says otherwise) when {@link #defaultListenerActive()}, or, when that leaves none, one
     * {@link ListenerConfig#localOnly()} listener on 1883. Returns copies.
     */
    public List<ListenerConfig> effectiveListeners() {
        List<ListenerConfig> out = new ArrayList<>();
        for (ListenerConfig l : listeners) {
            out.add(l.copy());
        }
        if (defaultListenerActive()) {
            ListenerConfig d = defaultListener.copy();
            if (d.port() == 0) {
                d.port(ListenerConfig.DEFAULT_PORT);
            }
            out.add(d);
        }
        if (out.isEmpty()) {
            out.add(ListenerConfig.localOnly(ListenerConfig.DEFAULT_PORT));
        }
        return out;
    }

    /** {@code port}: the default listener's port (deprecated in Mosquitto); 1883 unless set. */
    public int port() {
        return defaultListener.port() == 0 ? ListenerConfig.DEFAULT_PORT : defaultListener.port();
    }

    /** Sets the default listener's port, as the deprecated {@code port} option does. */
    public BrokerConfig port(int port) {
        defaultListener.port(port);
        return this;
    }

    /** {@code bind_address}: the default listener's address (deprecated in Mosquitto), or null. */
    public String bindAddress() {
        return defaultListener.bindAddress();
    }

    /** Sets the default listener's address, as the deprecated {@code bind_address} option does. */
    public BrokerConfig bindAddress(String bindAddress) {
        defaultListener.bindAddress(bindAddress);
        return this;
    }

    // ---- authentication ------------------------------------------------------------------------------

    /**
     * {@code per_listener_settings}: when true, {@code allow_anonymous}, {@code password_file},
     * {@code acl_file}, {@code psk_file}, {@code allow_zero_length_clientid} and {@code auto_id_prefix} are
     * set per listener; when false (default) they are global.
     */
    public boolean perListenerSettings() {
        return perListenerSettings;
    }

    public BrokerConfig perListenerSettings(boolean perListenerSettings) {
        this.perListenerSettings = perListenerSettings;
        return this;
    }

    /**
     * The global {@code allow_anonymous} as Mosquitto 2.0 applies it: true in {@link #localOnly()} mode
     * (Mosquitto overrides even an explicit false there), otherwise the value set, or false when not set.
     */
    public boolean allowAnonymous() {
        if (localOnly()) {
            return true;
        }
        return allowAnonymous != null && allowAnonymous;
    }

    public BrokerConfig allowAnonymous(boolean allowAnonymous) {
        this.allowAnonymous = allowAnonymous;
        return this;
    }

    /** The global {@code allow_anonymous} exactly as set, or null when not set. */
    public Boolean allowAnonymousSetting() {
        return allowAnonymous;
    }

    /** Global {@code password_file} as written, or null. */
    public String passwordFile() {
        return passwordFile;
    }

    public BrokerConfig passwordFile(String passwordFile) {
        this.passwordFile = passwordFile;
        return this;
    }

    /** Global {@code acl_file} as written, or null. */
    public String aclFile() {
        return aclFile;
    }

    public BrokerConfig aclFile(String aclFile) {
        this.aclFile = aclFile;
        return this;
    }

    /** Global {@code psk_file} as written, or null. */
    public String pskFile() {
        return pskFile;
    }

    public BrokerConfig pskFile(String pskFile) {
        this.pskFile = pskFile;
        return this;
    }

    /** Global {@code allow_zero_length_clientid} (default true). */
    public boolean allowZeroLengthClientid() {
        return allowZeroLengthClientid;
    }

    public BrokerConfig allowZeroLengthClientid(boolean allowZeroLengthClientid) {
        this.allowZeroLengthClientid = allowZeroLengthClientid;
        return this;
    }

    /** Global {@code auto_id_prefix} (default {@code auto-}). */
    public String autoIdPrefix() {
        return autoIdPrefix != null ? autoIdPrefix : "auto-";
    }

    public BrokerConfig autoIdPrefix(String autoIdPrefix) {
        this.autoIdPrefix = autoIdPrefix;
        return this;
    }

    /** {@code clientid_prefixes}: only client ids starting with this may connect; null (default) for any. */
    public String clientidPrefixes() {
        return clientidPrefixes;
    }

    public BrokerConfig clientidPrefixes(String clientidPrefixes) {
        this.clientidPrefixes = clientidPrefixes;
        return this;
    }

    /**
     * The authentication settings that apply to {@code listener}: its own when {@link #perListenerSettings()}
     * (unset ones taking Mosquitto's defaults: anonymous denied unless {@link #localOnly()}, the listener is
     * the loopback-only one, or it is the default listener without a password or PSK file, as in Mosquitto
     * 2.0.11), the global ones otherwise.
     */
    public SecurityOptions security(ListenerConfig listener) {
        if (!perListenerSettings) {
            return new SecurityOptions(allowAnonymous(), passwordFile, aclFile, pskFile,
                    allowZeroLengthClientid, autoIdPrefix());
        }
        boolean anon = listener.localOnly() || localOnly()
                || (listener.allowAnonymous() != null && listener.allowAnonymous())
                // Mosquitto 2.0.11 makes its default listener after it turned every unset allow_anonymous into
                // false, so there "unset" allows anonymous; Tern follows, unless a password or PSK file asks
                // for authentication
                || (listener.allowAnonymous() == null && listener.isDefaultListener()
                        && listener.passwordFile() == null && listener.pskFile() == null);
        return new SecurityOptions(anon, listener.passwordFile(), listener.aclFile(), listener.pskFile(),
                listener.allowZeroLengthClientid() == null || listener.allowZeroLengthClientid(),
                listener.autoIdPrefix() != null ? listener.autoIdPrefix() : "auto-");
    }

    /** The global {@code plugin} lines with their options, in file order (per listener: {@link ListenerConfig#plugins()}). */
    public List<PluginConfig> plugins() {
        return Collections.unmodifiableList(plugins);
    }

    /** Adds a global plugin, as a {@code plugin} line does. */
    public BrokerConfig addPlugin(PluginConfig plugin) {
        plugins.add(Objects.requireNonNull(plugin, "plugin"));
        return this;
    }

    /** The plugins that apply to {@code listener}: its own with {@link #perListenerSettings()}, else the global ones. */
    public List<PluginConfig> plugins(ListenerConfig listener) {
        return perListenerSettings ? listener.plugins() : plugins();
    }

    void replaceLastPlugin(PluginConfig plugin) {
        plugins.set(plugins.size() - 1, plugin);
    }

    // ---- message limits ------------------------------------------------------------------------------

    /** {@code max_inflight_messages}: outgoing QoS 1/2 messages in flight per client, 0 = no limit (default 20). */
    public int maxInflightMessages() {
        return maxInflightMessages;
    }

    public BrokerConfig maxInflightMessages(int maxInflightMessages) {
        this.maxInflightMessages = maxInflightMessages;
        return this;
    }

    /** {@code max_queued_messages}: QoS 1/2 messages queued per client beyond in-flight, 0 = no limit (default 1000). */
    public int maxQueuedMessages() {
        return maxQueuedMessages;
    }

    public BrokerConfig maxQueuedMessages(int maxQueuedMessages) {
        this.maxQueuedMessages = maxQueuedMessages;
        return this;
    }

    /**
     * {@code check_retain_source}: deliver a retained message only while its publisher may still write its
     * topic under the current ACL (default false).
     */
    public boolean checkRetainSource() {
        return checkRetainSource;
    }

    public BrokerConfig checkRetainSource(boolean checkRetainSource) {
        this.checkRetainSource = checkRetainSource;
        return this;
    }

    /** {@code max_inflight_bytes}: payload bytes of QoS 1/2 messages in flight to one client, 0 = no limit. */
    public long maxInflightBytes() {
        return maxInflightBytes;
    }

    public BrokerConfig maxInflightBytes(long maxInflightBytes) {
        this.maxInflightBytes = maxInflightBytes;
        return this;
    }

    /** {@code max_queued_bytes}: bytes queued per client beyond in-flight, 0 = no limit (default). */
    public long maxQueuedBytes() {
        return maxQueuedBytes;
    }

    public BrokerConfig maxQueuedBytes(long maxQueuedBytes) {
        this.maxQueuedBytes = maxQueuedBytes;
        return this;
    }

    /** {@code queue_qos0_messages}: queue QoS 0 messages for disconnected persistent clients (default false). */
    public boolean queueQos0Messages() {
        return queueQos0Messages;
    }

    public BrokerConfig queueQos0Messages(boolean queueQos0Messages) {
        this.queueQos0Messages = queueQos0Messages;
        return this;
    }

    /**
     * {@code message_size_limit}: largest PUBLISH payload accepted, 0 = any valid (default). Larger messages are
     * not forwarded but their QoS flow completes.
     */
    public int messageSizeLimit() {
        return messageSizeLimit;
    }

    public BrokerConfig messageSizeLimit(int messageSizeLimit) {
        this.messageSizeLimit = messageSizeLimit;
        return this;
    }

    /** {@code max_packet_size}: largest packet accepted from any client, 0 = no limit (default); else at least 20. */
    public int maxPacketSize() {
        return maxPacketSize;
    }

    public BrokerConfig maxPacketSize(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
        return this;
    }

    /** {@code max_keepalive}: largest keep-alive an MQTT 5 client may use, 10–65535 (default 65535). */
    public int maxKeepalive() {
        return maxKeepalive;
    }

    public BrokerConfig maxKeepalive(int maxKeepalive) {
        this.maxKeepalive = maxKeepalive;
        return this;
    }

    /**
     * {@code persistent_client_expiration}: persistent sessions of clients that stay away longer are removed;
     * {@link Duration#ZERO} (default) for never. Mosquitto's units: h, d, w, m = 30 days, y = 365 days.
     */
    public Duration persistentClientExpiration() {
        return persistentClientExpiration;
    }

    public BrokerConfig persistentClientExpiration(Duration persistentClientExpiration) {
        this.persistentClientExpiration = Objects.requireNonNull(persistentClientExpiration);
        return this;
    }

    /** {@code shared_subscription_strategy} (Tern): how a shared subscription group picks a member. */
    public SharedSubscriptionStrategy sharedSubscriptionStrategy() {
        return sharedSubscriptionStrategy;
    }

    public BrokerConfig sharedSubscriptionStrategy(SharedSubscriptionStrategy strategy) {
        this.sharedSubscriptionStrategy = Objects.requireNonNull(strategy);
        return this;
    }

    /** {@code sys_interval}: seconds between {@code $SYS} updates, 0 = no {@code $SYS} (default 10). */
    public int sysInterval() {
        return sysInterval;
    }

    public BrokerConfig sysInterval(int sysInterval) {
        this.sysInterval = sysInterval;
        return this;
    }

    /** {@code retain_available}: false refuses retained messages (default true). */
    public boolean retainAvailable() {
        return retainAvailable;
    }

    public BrokerConfig retainAvailable(boolean retainAvailable) {
        this.retainAvailable = retainAvailable;
        return this;
    }

    /**
     * {@code set_tcp_nodelay}: TCP_NODELAY on client sockets. Tern defaults to true where Mosquitto defaults to
     * false: Tern already gathers a flush's packets into one write, so Nagle's algorithm only adds delay (tens of
     * milliseconds against a client's delayed ACKs). {@code set_tcp_nodelay false} turns it off.
     */
    public boolean setTcpNodelay() {
        return setTcpNodelay;
    }

    public BrokerConfig setTcpNodelay(boolean setTcpNodelay) {
        this.setTcpNodelay = setTcpNodelay;
        return this;
    }

    /** {@code report_bad_credentials}, {@code deny_unreadable_subscriptions}: Tern's stricter answers. */
    public StrictOptions strict() {
        return strict;
    }

    public BrokerConfig strict(StrictOptions strict) {
        this.strict = java.util.Objects.requireNonNull(strict);
        return this;
    }

    /** {@code upgrade_outgoing_qos}: deliver at the subscription's QoS, against the spec (default false). */
    public boolean upgradeOutgoingQos() {
        return upgradeOutgoingQos;
    }

    public BrokerConfig upgradeOutgoingQos(boolean upgradeOutgoingQos) {
        this.upgradeOutgoingQos = upgradeOutgoingQos;
        return this;
    }

    // ---- logging -------------------------------------------------------------------------------------

    /** {@code log_dest}: where logs go (default stderr); empty for {@code none}. */
    public Set<LogDestination> logDest() {
        return Collections.unmodifiableSet(logDest);
    }

    public BrokerConfig logDest(Set<LogDestination> logDest) {
        this.logDest = logDest.isEmpty() ? EnumSet.noneOf(LogDestination.class) : EnumSet.copyOf(logDest);
        return this;
    }

    /** The file of {@code log_dest file PATH} as written, or null. */
    public String logFile() {
        return logFile;
    }

    public BrokerConfig logFile(String logFile) {
        this.logFile = logFile;
        return this;
    }

    /** {@code log_type}: which messages are logged (default error, warning, notice, information). */
    public Set<LogType> logType() {
        return Collections.unmodifiableSet(logType);
    }

    public BrokerConfig logType(Set<LogType> logType) {
        this.logType = logType.isEmpty() ? EnumSet.noneOf(LogType.class) : EnumSet.copyOf(logType);
        return this;
    }

    /** {@code log_timestamp}: prefix log lines with a timestamp (default true). */
    public boolean logTimestamp() {
        return logTimestamp;
    }

    public BrokerConfig logTimestamp(boolean logTimestamp) {
        this.logTimestamp = logTimestamp;
        return this;
    }

    /** {@code log_timestamp_format}: strftime format, or null (default) for seconds since the epoch. */
    public String logTimestampFormat() {
        return logTimestampFormat;
    }

    public BrokerConfig logTimestampFormat(String logTimestampFormat) {
        this.logTimestampFormat = logTimestampFormat;
        return this;
    }

    /** {@code connection_messages}: log client connects and disconnects (default true). */
    public boolean connectionMessages() {
        return connectionMessages;
    }

    public BrokerConfig connectionMessages(boolean connectionMessages) {
        this.connectionMessages = connectionMessages;
        return this;
    }

    // ---- process -------------------------------------------------------------------------------------

    /** {@code pid_file}: file to write the process id to, or null (default). */
    public String pidFile() {
        return pidFile;
    }

    public BrokerConfig pidFile(String pidFile) {
        this.pidFile = pidFile;
        return this;
    }

    /**
     * {@code user} (default {@code mosquitto}). Mosquitto switches to this user only when started as root; run
     * as any other user "this setting has no effect" (mosquitto.conf(5), and drop_privileges() checks
     * {@code geteuid() == 0}). A JVM cannot switch user, so Tern never does: started as a non-root user this
     * is the same no-op as in Mosquitto; started as root with {@code user} set, the broker should refuse rather
     * than keep running as root ({@code locationOf("user")} tells whether it was set).
     */
    public String user() {
        return user;
    }

    public BrokerConfig user(String user) {
        this.user = user;
        return this;
    }

    // ---- persistence ---------------------------------------------------------------------------------

    /** {@code persistence}: keep sessions, subscriptions and messages on disk (default false). */
    public boolean persistence() {
        return persistence;
    }

    public BrokerConfig persistence(boolean persistence) {
        this.persistence = persistence;
        return this;
    }

    /** {@code persistence_file} (default {@code mosquitto.db}). */
    public String persistenceFile() {
        return persistenceFile;
    }

    public BrokerConfig persistenceFile(String persistenceFile) {
        this.persistenceFile = persistenceFile;
        return this;
    }

    /** {@code persistence_location}: directory of the store as written, or null (default) for the working directory. */
    public String persistenceLocation() {
        return persistenceLocation;
    }

    public BrokerConfig persistenceLocation(String persistenceLocation) {
        this.persistenceLocation = persistenceLocation;
        return this;
    }

    /**
     * The store's path as Mosquitto builds it ({@code persistence_location + "/" + persistence_file}, or the
     * file alone), resolved against {@link #workingDirectory()}.
     */
    public Path persistencePath() {
        String written = persistenceLocation == null || persistenceLocation.isEmpty()
                ? persistenceFile
                : persistenceLocation + "/" + persistenceFile;
        return resolve(written);
    }

    /** {@code autosave_interval}: seconds between saves (or changes, see below), 0 = only on exit (default 1800). */
    public int autosaveInterval() {
        return autosaveInterval;
    }

    public BrokerConfig autosaveInterval(int autosaveInterval) {
        this.autosaveInterval = autosaveInterval;
        return this;
    }

    /** {@code autosave_on_changes}: count changes instead of seconds for {@code autosave_interval} (default false). */
    public boolean autosaveOnChanges() {
        return autosaveOnChanges;
    }

    public BrokerConfig autosaveOnChanges(boolean autosaveOnChanges) {
        this.autosaveOnChanges = autosaveOnChanges;
        return this;
    }

    /** {@code persistence_sync} (Tern): when acknowledged messages are forced to disk (default batch). */
    public PersistenceSync persistenceSync() {
        return persistenceSync;
    }

    public BrokerConfig persistenceSync(PersistenceSync persistenceSync) {
        this.persistenceSync = Objects.requireNonNull(persistenceSync);
        return this;
    }

    // ---- bridges -------------------------------------------------------------------------------------

    private final List<BridgeConfig> bridges = new ArrayList<>();

    /** The {@code connection} sections, in file order (run by the tern-bridge module). */
    public List<BridgeConfig> bridges() {
        return Collections.unmodifiableList(bridges);
    }

    public BrokerConfig addBridge(BridgeConfig bridge) {
        bridges.add(Objects.requireNonNull(bridge));
        return this;
    }

    // ---- http listeners (console, API, metrics) ------------------------------------------------------

    /** {@code http_admin_users}, {@code http_metrics_public}, {@code metrics_topic_prefixes}. */
    public HttpOptions http() {
        return http;
    }

    public BrokerConfig http(HttpOptions http) {
        this.http = Objects.requireNonNull(http, "http");
        return this;
    }

    // ---- flood limits ---------------------------------------------------------------------------------

    /** {@code max_connections_per_address}, {@code connection_rate_limit}, {@code publish_rate_limit},
     *  {@code publish_bytes_limit} (Tern): all off by default. */
    public FloodLimits floodLimits() {
        return floodLimits;
    }

    public BrokerConfig floodLimits(FloodLimits floodLimits) {
        this.floodLimits = Objects.requireNonNull(floodLimits);
        return this;
    }
}
