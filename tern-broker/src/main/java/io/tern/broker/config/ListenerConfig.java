package io.tern.broker.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One network listener: a {@code listener PORT [ADDRESS]} line and the listener options that follow it,
 * with Mosquitto 2.0's defaults. Mutable and fluent: each getter is the Mosquitto option name in
 * lowerCamelCase and the setter of the same name returns {@code this}.
 *
 * <p>The authentication fields ({@link #allowAnonymous()}, {@link #passwordFile()}, {@link #aclFile()},
 * {@link #pskFile()}, {@link #allowZeroLengthClientid()}, {@link #autoIdPrefix()}) hold what was written for
 * this listener and are only used when {@code per_listener_settings} is true; null means "not set here".
 * Use {@link BrokerConfig#security(ListenerConfig)} for the values that apply.
 */
public final class ListenerConfig {

    /** Mosquitto's port for the default listener and the local-only listeners. */
    public static final int DEFAULT_PORT = 1883;

    private int port;
    private String bindAddress;
    private boolean localOnly;
    private SocketDomain socketDomain;
    private ListenerProtocol protocol = ListenerProtocol.MQTT;
    private int maxConnections = -1;
    private int maxQos = 2;
    private int maxTopicAlias = 10;
    private String mountPoint;

    private String cafile;
    private String capath;
    private String certfile;
    private String keyfile;
    private boolean requireCertificate;
    private boolean useIdentityAsUsername;
    private boolean useSubjectAsUsername;
    private TlsVersion tlsVersion;
    private String ciphers;
    private String ciphersTls13;
    private String crlfile;
    private String pskHint;

    private Boolean allowAnonymous;
    /** Made by {@code port}/{@code bind_address} or listener options before any {@code listener} line. */
    private boolean defaultListener;
    private String passwordFile;
    private String aclFile;
    private String pskFile;
    private Boolean allowZeroLengthClientid;
    private String autoIdPrefix;
    private final java.util.List<PluginConfig> plugins = new java.util.ArrayList<>();

    private Location location;
    private final Map<String, Location> locations = new LinkedHashMap<>();

    /** A listener on {@code port} on every address. */
    public ListenerConfig(int port) {
        this(port, null);
    }

    /**
     * A listener on {@code port}, bound to {@code bindAddress} (an IP address or host name; null for every
     * address).
     */
    public ListenerConfig(int port, String bindAddress) {
        port(port);
        this.bindAddress = bindAddress;
    }

    /** The not-yet-placed default listener the parser fills before any {@code listener} line (port 0 = unset). */
    static ListenerConfig unplacedDefault() {
        ListenerConfig l = new ListenerConfig(DEFAULT_PORT);
        l.port = 0;
        l.defaultListener = true;
        return l;
    }

    /**
     * Mosquitto 2.0's listener when a configuration defines none: {@code port} on the loopback interface only.
     * The broker binds both 127.0.0.1 and ::1 (the latter when the host has IPv6) and allows anonymous clients.
     */
    public static ListenerConfig localOnly(int port) {
        ListenerConfig l = new ListenerConfig(port);
        l.localOnly = true;
        return l;
    }

    /** A copy with the same settings and recorded locations. */
    public ListenerConfig copy() {
        ListenerConfig c = new ListenerConfig(DEFAULT_PORT);
        c.port = port;
        c.bindAddress = bindAddress;
        c.localOnly = localOnly;
        c.socketDomain = socketDomain;
        c.protocol = protocol;
        c.maxConnections = maxConnections;
        c.maxQos = maxQos;
        c.maxTopicAlias = maxTopicAlias;
        c.mountPoint = mountPoint;
        c.cafile = cafile;
        c.capath = capath;
        c.certfile = certfile;
        c.keyfile = keyfile;
        c.requireCertificate = requireCertificate;
        c.useIdentityAsUsername = useIdentityAsUsername;
        c.useSubjectAsUsername = useSubjectAsUsername;
        c.tlsVersion = tlsVersion;
        c.ciphers = ciphers;
        c.ciphersTls13 = ciphersTls13;
        c.crlfile = crlfile;
        c.pskHint = pskHint;
        c.allowAnonymous = allowAnonymous;
        c.defaultListener = defaultListener;
        c.passwordFile = passwordFile;
        c.aclFile = aclFile;
        c.pskFile = pskFile;
        c.allowZeroLengthClientid = allowZeroLengthClientid;
        c.autoIdPrefix = autoIdPrefix;
        c.plugins.addAll(plugins);
        c.location = location;
        c.locations.putAll(locations);
        return c;
    }

    // ---- where things were written -------------------------------------------------------------------

    /** Where the {@code listener} line is; empty for a listener built in code or the default listener. */
    public Optional<Location> location() {
        return Optional.ofNullable(location);
    }

    /**
     * Where a listener option (Mosquitto name, e.g. {@code psk_hint}, {@code mount_point}) was set for this
     * listener; empty if it was not set in a file.
     */
    public Optional<Location> locationOf(String option) {
        return Optional.ofNullable(locations.get(option));
    }

    /** The options set for this listener in a file, by Mosquitto name, in the order they were first set. */
    public Map<String, Location> locations() {
        return Collections.unmodifiableMap(locations);
    }

    ListenerConfig location(Location where) {
        this.location = where;
        return this;
    }

    void record(String option, Location where) {
        locations.put(option, where);
    }

    // ---- address -------------------------------------------------------------------------------------

    /** TCP port, 1–65535. */
    public int port() {
        return port;
    }

    /** Sets the port; 0 (embedding and tests only: the parser refuses it) binds an ephemeral port. */
    public ListenerConfig port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        this.port = port;
        return this;
    }

    /** IP address or host name to bind, or null for every address (see {@link #localOnly()}). */
    public String bindAddress() {
        return bindAddress;
    }

    public ListenerConfig bindAddress(String bindAddress) {
        this.bindAddress = bindAddress;
        return this;
    }

    /**
     * True for Mosquitto 2.0's implicit listener when the configuration defines none: bind 127.0.0.1 and ::1
     * (when available) on {@link #port()}, nothing else.
     */
    public boolean localOnly() {
        return localOnly;
    }

    /** {@code socket_domain}: one IP version only, or null for both (default). */
    public SocketDomain socketDomain() {
        return socketDomain;
    }

    public ListenerConfig socketDomain(SocketDomain socketDomain) {
        this.socketDomain = socketDomain;
        return this;
    }

    /**
     * {@code protocol}: {@link ListenerProtocol#MQTT} (default), {@link ListenerProtocol#WEBSOCKETS} or
     * {@link ListenerProtocol#HTTP} (console, admin API and metrics, served by an extension).
     */
    public ListenerProtocol protocol() {
        return protocol;
    }

    public ListenerConfig protocol(ListenerProtocol protocol) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        return this;
    }

    /** {@code max_connections}: clients connected to this listener at once; -1 (default) for no limit. */
    public int maxConnections() {
        return maxConnections;
    }

    public ListenerConfig maxConnections(int maxConnections) {
        this.maxConnections = maxConnections < 0 ? -1 : maxConnections;
        return this;
    }

    /** {@code max_qos}: highest QoS clients of this listener may use, 0–2 (default 2). */
    public int maxQos() {
        return maxQos;
    }

    public ListenerConfig maxQos(int maxQos) {
        if (maxQos < 0 || maxQos > 2) {
            throw new IllegalArgumentException("max_qos must be 0..2: " + maxQos);
        }
        this.maxQos = maxQos;
        return this;
    }

    /** {@code max_topic_alias}: topic aliases an MQTT 5 client may create, 0–65535 (default 10). */
    public int maxTopicAlias() {
        return maxTopicAlias;
    }

    public ListenerConfig maxTopicAlias(int maxTopicAlias) {
        if (maxTopicAlias < 0 || maxTopicAlias > 65535) {
            throw new IllegalArgumentException("max_topic_alias must be 0..65535: " + maxTopicAlias);
        }
        this.maxTopicAlias = maxTopicAlias;
        return this;
    }

    /** {@code mount_point}: topic prefix that isolates this listener's clients, or null (default). */
    public String mountPoint() {
        return mountPoint;
    }

    public ListenerConfig mountPoint(String mountPoint) {
        this.mountPoint = mountPoint;
        return this;
    }

    // ---- certificate TLS and PSK ---------------------------------------------------------------------

    /** True when {@code certfile} and {@code keyfile} are both set: certificate TLS. */
    public boolean usesCertificateTls() {
        return certfile != null && keyfile != null;
    }

    /** True when {@code psk_hint} is set: TLS with pre-shared keys. */
    public boolean usesPsk() {
        return pskHint != null;
    }

    /** {@code cafile}: PEM CA certificates trusted for client certificates, or null. */
    public String cafile() {
        return cafile;
    }

    public ListenerConfig cafile(String cafile) {
        this.cafile = cafile;
        return this;
    }

    /** {@code capath}: directory of PEM CA certificates, or null. */
    public String capath() {
        return capath;
    }

    public ListenerConfig capath(String capath) {
        this.capath = capath;
        return this;
    }

    /** {@code certfile}: PEM server certificate, or null. */
    public String certfile() {
        return certfile;
    }

    public ListenerConfig certfile(String certfile) {
        this.certfile = certfile;
        return this;
    }

    /** {@code keyfile}: PEM server private key, or null. */
    public String keyfile() {
        return keyfile;
    }

    public ListenerConfig keyfile(String keyfile) {
        this.keyfile = keyfile;
        return this;
    }

    /** {@code require_certificate}: clients must present a valid certificate (default false). */
    public boolean requireCertificate() {
        return requireCertificate;
    }

    public ListenerConfig requireCertificate(boolean requireCertificate) {
        this.requireCertificate = requireCertificate;
        return this;
    }

    /**
     * {@code use_identity_as_username}: the certificate CN (or the PSK identity) becomes the username
     * (default false).
     */
    public boolean useIdentityAsUsername() {
        return useIdentityAsUsername;
    }

    public ListenerConfig useIdentityAsUsername(boolean useIdentityAsUsername) {
        this.useIdentityAsUsername = useIdentityAsUsername;
        return this;
    }

    /** {@code use_subject_as_username}: the whole certificate subject becomes the username (default false). */
    public boolean useSubjectAsUsername() {
        return useSubjectAsUsername;
    }

    public ListenerConfig useSubjectAsUsername(boolean useSubjectAsUsername) {
        this.useSubjectAsUsername = useSubjectAsUsername;
        return this;
    }

    /** {@code tls_version}: the minimum TLS version, or null for TLS 1.2 and 1.3 (Mosquitto 2.0's default). */
    public TlsVersion tlsVersion() {
        return tlsVersion;
    }

    public ListenerConfig tlsVersion(TlsVersion tlsVersion) {
        this.tlsVersion = tlsVersion;
        return this;
    }

    /** {@code ciphers}: OpenSSL cipher list for TLS 1.2 and earlier, or null. */
    public String ciphers() {
        return ciphers;
    }

    public ListenerConfig ciphers(String ciphers) {
        this.ciphers = ciphers;
        return this;
    }

    /** {@code ciphers_tls1.3}: TLS 1.3 cipher suites, colon separated, or null. */
    public String ciphersTls13() {
        return ciphersTls13;
    }

    public ListenerConfig ciphersTls13(String ciphersTls13) {
        this.ciphersTls13 = ciphersTls13;
        return this;
    }

    /** {@code crlfile}: PEM certificate revocation list, or null. */
    public String crlfile() {
        return crlfile;
    }

    public ListenerConfig crlfile(String crlfile) {
        this.crlfile = crlfile;
        return this;
    }

    /** {@code psk_hint}: enables TLS-PSK on this listener and is sent to clients, or null. */
    public String pskHint() {
        return pskHint;
    }

    public ListenerConfig pskHint(String pskHint) {
        this.pskHint = pskHint;
        return this;
    }

    // ---- per-listener security (per_listener_settings true) ------------------------------------------

    /** {@code allow_anonymous} for this listener, or null if not set here. */
    /** Whether this is Mosquitto's default listener (from {@code port} or options before the first {@code listener}). */
    public boolean isDefaultListener() {
        return defaultListener;
    }

    public Boolean allowAnonymous() {
        return allowAnonymous;
    }

    public ListenerConfig allowAnonymous(Boolean allowAnonymous) {
        this.allowAnonymous = allowAnonymous;
        return this;
    }

    /** {@code password_file} for this listener as written, or null. */
    public String passwordFile() {
        return passwordFile;
    }

    public ListenerConfig passwordFile(String passwordFile) {
        this.passwordFile = passwordFile;
        return this;
    }

    /** {@code acl_file} for this listener as written, or null. */
    public String aclFile() {
        return aclFile;
    }

    public ListenerConfig aclFile(String aclFile) {
        this.aclFile = aclFile;
        return this;
    }

    /** {@code psk_file} for this listener as written, or null. */
    public String pskFile() {
        return pskFile;
    }

    public ListenerConfig pskFile(String pskFile) {
        this.pskFile = pskFile;
        return this;
    }

    /** {@code allow_zero_length_clientid} for this listener, or null if not set here. */
    public Boolean allowZeroLengthClientid() {
        return allowZeroLengthClientid;
    }

    public ListenerConfig allowZeroLengthClientid(Boolean allowZeroLengthClientid) {
        this.allowZeroLengthClientid = allowZeroLengthClientid;
        return this;
    }

    /** {@code auto_id_prefix} for this listener, or null if not set here. */
    public String autoIdPrefix() {
        return autoIdPrefix;
    }

    public ListenerConfig autoIdPrefix(String autoIdPrefix) {
        this.autoIdPrefix = autoIdPrefix;
        return this;
    }

    /** {@code plugin} lines written for this listener (used with {@code per_listener_settings true}), in file order. */
    public java.util.List<PluginConfig> plugins() {
        return Collections.unmodifiableList(plugins);
    }

    /** Adds a plugin to this listener, as a {@code plugin} line after {@code listener} does with per_listener_settings. */
    public ListenerConfig addPlugin(PluginConfig plugin) {
        plugins.add(Objects.requireNonNull(plugin, "plugin"));
        return this;
    }

    void replaceLastPlugin(PluginConfig plugin) {
        plugins.set(plugins.size() - 1, plugin);
    }

    /**
     * Whether Mosquitto 2.0 would start the default listener for these settings: any of these set before the
     * first {@code listener} line (or {@code port}/{@code bind_address} anywhere) starts it. The list is
     * Mosquitto's own (config__parse_args); other options there are lost, and the parser warns about them.
     */
    boolean activatesDefaultListener() {
        return port != 0 || bindAddress != null
                || cafile != null || capath != null || certfile != null || keyfile != null
                || ciphers != null || ciphersTls13 != null || pskHint != null || requireCertificate
                || crlfile != null || useIdentityAsUsername || useSubjectAsUsername
                || maxConnections != -1 || maxQos != 2 || mountPoint != null
                || protocol != ListenerProtocol.MQTT || socketDomain != null
                || passwordFile != null || pskFile != null
                || (allowZeroLengthClientid != null && !allowZeroLengthClientid);
    }

    @Override
    public String toString() {
        String where = localOnly ? "loopback" : bindAddress == null ? "*" : bindAddress;
        return "listener " + where + ":" + port + " (" + protocol.configName()
                + (usesCertificateTls() ? ", tls" : "") + (usesPsk() ? ", psk" : "") + ")";
    }
}
