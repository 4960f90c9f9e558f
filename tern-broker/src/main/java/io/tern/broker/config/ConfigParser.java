package io.tern.broker.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads Mosquitto's {@code mosquitto.conf} dialect into a {@link BrokerConfig}, with Mosquitto 2.0's meanings
 * (checked against mosquitto.conf(5), src/conf.c and the mosquitto 2.0.11 binary).
 *
 * <p>The format: one option per line, {@code name value...}; lines whose first non-blank character is
 * {@code #} and blank lines are skipped; leading and trailing blanks are tolerated. Values that are paths or
 * free text take the rest of the line (so they may contain spaces, as in Mosquitto); one-word values may be
 * followed by a {@code # comment}, which Mosquitto ignores too.
 *
 * <p>Where Tern is stricter than Mosquitto, it is so that nothing is silently ignored: a number that is not
 * a number (Mosquitto's atoi reads {@code abc} as 0), extra words after a one-word value, a negative count,
 * {@code certfile} without {@code keyfile} (Mosquitto then runs the listener without TLS), an
 * {@code include_dir} inside an included file (Mosquitto skips it), a listener defined twice. Every problem
 * names the file and line.
 */
public final class ConfigParser {

    private final BrokerConfig config = new BrokerConfig();
    private final boolean collectAll;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private Path mainFile;

    /** Listener options go here: the default listener until the first {@code listener} line. */
    private ListenerConfig current = config.defaultListener();
    /** A security option was seen, so {@code per_listener_settings true} may no longer come (Mosquitto rule). */
    private boolean securitySeen;
    private final EnumSet<LogDestination> logDest = EnumSet.noneOf(LogDestination.class);
    private boolean logDestSet;
    private final EnumSet<LogType> logType = EnumSet.noneOf(LogType.class);
    private boolean logTypeSet;
    private final Map<String, Location> listenerLines = new HashMap<>();
    private final BridgeOptions bridges = new BridgeOptions(config);

    /** Reports a problem: thrown at once by {@link #parse}, collected by {@link #check}. */
    interface Reporter {
        void report(ConfigException e) throws ConfigException;
    }
    private final PluginOptions plugins = new PluginOptions(config);

    private ConfigParser(boolean collectAll) {
        this.collectAll = collectAll;
    }

    /**
     * Reads {@code file} (and the files its {@code include_dir} lines name).
     *
     * @return the configuration, with {@link BrokerConfig#warnings()} for deprecated or no-effect options
     * @throws ConfigException at the first problem: {@code FILE:LINE: reason}
     */
    public static BrokerConfig parse(Path file) throws ConfigException {
        ConfigParser parser = new ConfigParser(false);
        parser.run(file);
        return parser.config;
    }

    /**
     * Every problem in {@code file}, in file order, for {@code tern --test-config}; empty when
     * {@link #parse(Path)} would succeed. Warnings are not included.
     */
    public static List<ConfigProblem> check(Path file) {
        ConfigParser parser = new ConfigParser(true);
        try {
            parser.run(file);
        } catch (ConfigException e) {
            // Only thrown when collecting is off; kept for the compiler.
            parser.problems.add(e.toProblem());
        }
        return List.copyOf(parser.problems);
    }

    private void run(Path file) throws ConfigException {
        mainFile = file;
        config.sourceFile(file);
        try {
            readFile(file, 0);
        } catch (ConfigException e) {
            // A file that cannot be read at all.
            report(e);
            return;
        }
        finish();
    }

    private void report(ConfigException e) throws ConfigException {
        if (!collectAll) {
            throw e;
        }
        problems.add(e.toProblem());
    }

    // ---- reading files -------------------------------------------------------------------------------

    private void readFile(Path file, int level) throws ConfigException {
        Location whole = new Location(file, 0);
        if (Files.isDirectory(file)) {
            throw new ConfigException(whole, "is a directory, not a configuration file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(whole, "unable to open config file: no such file");
        } catch (IOException e) {
            throw new ConfigException(whole, "unable to open config file: " + e.getMessage());
        }
        int lineNo = 0;
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            lineNo++;
            Location at = new Location(file, lineNo);
            try {
                handleLine(at, decode(at, bytes, start, end), level);
            } catch (ConfigException e) {
                report(e);
            }
            start = end + 1;
        }
    }

    private static String decode(Location at, byte[] bytes, int start, int end) throws ConfigException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, end - start))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(at, "malformed UTF-8");
        }
    }

    /** One option line, split the way Mosquitto splits it. */
    record Line(Location at, String name, List<String> args, String rest) {

        ConfigException error(String reason) {
            return new ConfigException(at, name + ": " + reason);
        }

        /** Exactly one word. */
        String word() throws ConfigException {
            if (args.isEmpty()) {
                throw error("missing value");
            }
            if (args.size() > 1) {
                throw error("unexpected extra argument '" + args.get(1) + "'");
            }
            return args.get(0);
        }

        /** The rest of the line (paths, free text), which may contain spaces. */
        String text() throws ConfigException {
            if (rest.isEmpty()) {
                throw error("missing value");
            }
            return rest;
        }
    }

    private void handleLine(Location at, String raw, int level) throws ConfigException {
        String s = raw;
        if (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        s = s.strip();
        if (s.isEmpty() || s.charAt(0) == '#') {
            return;
        }
        if (s.indexOf('\0') >= 0) {
            // no option value may hold one (a path with it cannot be opened); Mosquitto would cut the line there
            throw new ConfigException(at, "the line contains a NUL character");
        }
        int sp = 0;
        while (sp < s.length() && !isBlank(s.charAt(sp))) {
            sp++;
        }
        String name = s.substring(0, sp);
        String rest = s.substring(sp).strip();
        List<String> args = new ArrayList<>();
        for (String w : rest.split("[ \t]+")) {
            if (w.isEmpty()) {
                continue;
            }
            if (w.charAt(0) == '#') {
                break;
            }
            args.add(w);
        }
        apply(new Line(at, name, args, rest), level);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    // ---- the options ---------------------------------------------------------------------------------

    private void apply(Line l, int level) throws ConfigException {
        switch (l.name()) {
            // listeners
            case "listener" -> listener(l);
            case "port" -> {
                int port = integer(l, 1, 65535);
                warnDeprecated(l, "use 'listener' instead");
                config.defaultListener().port(port);
                config.defaultListener().record("port", l.at());
            }
            case "bind_address" -> {
                String address = l.word();
                warnDeprecated(l, "use 'listener PORT ADDRESS' instead");
                config.defaultListener().bindAddress(address);
                config.defaultListener().record("bind_address", l.at());
            }
            case "socket_domain" -> {
                current.socketDomain(choice(l, SocketDomain.values(), SocketDomain::configName));
                current.record(l.name(), l.at());
            }
            case "protocol" -> {
                current.protocol(choice(l, ListenerProtocol.values(), ListenerProtocol::configName));
                current.record(l.name(), l.at());
            }
            case "max_connections" -> {
                current.maxConnections(integer(l, Integer.MIN_VALUE, Integer.MAX_VALUE));
                current.record(l.name(), l.at());
            }
            case "max_qos", "maximum_qos" -> {
                current.maxQos(integer(l, 0, 2));
                current.record("max_qos", l.at());
            }
            case "max_topic_alias" -> {
                current.maxTopicAlias(integer(l, 0, 65535));
                current.record(l.name(), l.at());
            }
            case "mount_point" -> mountPoint(l);

            // certificate TLS and PSK, per listener
            case "cafile" -> {
                refuseWithPsk(l);
                current.cafile(listenerText(l, current.cafile()));
            }
            case "capath" -> current.capath(listenerText(l, current.capath()));
            case "certfile" -> {
                refuseWithPsk(l);
                current.certfile(listenerText(l, current.certfile()));
            }
            case "keyfile" -> current.keyfile(listenerText(l, current.keyfile()));
            case "crlfile" -> current.crlfile(listenerText(l, current.crlfile()));
            case "ciphers" -> current.ciphers(listenerText(l, current.ciphers()));
            case "ciphers_tls1.3" -> current.ciphersTls13(listenerText(l, current.ciphersTls13()));
            case "psk_hint" -> {
                if (current.certfile() != null || current.cafile() != null) {
                    throw l.error("cannot use both certificate and psk encryption in a single listener");
                }
                current.pskHint(listenerText(l, current.pskHint()));
            }
            case "require_certificate" -> {
                current.requireCertificate(bool(l));
                current.record(l.name(), l.at());
            }
            case "use_identity_as_username" -> {
                current.useIdentityAsUsername(bool(l));
                current.record(l.name(), l.at());
            }
            case "use_subject_as_username" -> {
                current.useSubjectAsUsername(bool(l));
                current.record(l.name(), l.at());
            }
            case "tls_version" -> {
                current.tlsVersion(choice(l, TlsVersion.values(), TlsVersion::configName));
                current.record(l.name(), l.at());
            }

            // authentication: global, or per listener with per_listener_settings
            case "per_listener_settings" -> perListenerSettings(l);
            case "allow_anonymous" -> {
                boolean v = bool(l);
                security(l);
                if (config.perListenerSettings()) {
                    current.allowAnonymous(v);
                } else {
                    config.allowAnonymous(v);
                }
            }
            case "allow_zero_length_clientid" -> {
                boolean v = bool(l);
                security(l);
                if (config.perListenerSettings()) {
                    current.allowZeroLengthClientid(v);
                } else {
                    config.allowZeroLengthClientid(v);
                }
            }
            case "password_file" -> {
                String v = securityText(l);
                if (config.perListenerSettings()) {
                    current.passwordFile(v);
                } else {
                    config.passwordFile(v);
                }
            }
            case "acl_file" -> {
                String v = securityText(l);
                if (config.perListenerSettings()) {
                    current.aclFile(v);
                } else {
                    config.aclFile(v);
                }
            }
            case "psk_file" -> {
                String v = securityText(l);
                if (config.perListenerSettings()) {
                    current.pskFile(v);
                } else {
                    config.pskFile(v);
                }
            }
            case "auto_id_prefix" -> {
                String v = securityText(l);
                if (config.perListenerSettings()) {
                    current.autoIdPrefix(v);
                } else {
                    config.autoIdPrefix(v);
                }
            }
            case "clientid_prefixes" -> {
                config.clientidPrefixes(globalText(l));
                warnDeprecated(l, "it will be removed in a future version of Mosquitto");
            }

            // logging
            case "log_dest" -> logDest(l);
            case "log_type" -> logType(l);
            case "log_timestamp" -> config.logTimestamp(globalBool(l));
            case "log_timestamp_format" -> config.logTimestampFormat(globalText(l));
            case "connection_messages" -> config.connectionMessages(globalBool(l));

            // process
            case "include_dir" -> includeDir(l, level);
            case "pid_file" -> config.pidFile(globalText(l));
            case "user" -> config.user(globalText(l));

            // persistence
            case "persistence", "retained_persistence" -> {
                config.persistence(bool(l));
                config.record("persistence", l.at());
            }
            case "persistence_file" -> config.persistenceFile(globalText(l));
            case "persistence_location" -> config.persistenceLocation(globalText(l));
            case "autosave_interval" -> {
                config.autosaveInterval(integer(l, 0, Integer.MAX_VALUE));
                config.record(l.name(), l.at());
            }
            case "autosave_on_changes" -> config.autosaveOnChanges(globalBool(l));
            case "max_connections_per_address", "connection_rate_limit", "publish_rate_limit",
                    "publish_bytes_limit" -> {
                config.floodLimits(config.floodLimits().with(l.name(), longInteger(l, 0, Integer.MAX_VALUE)));
                config.record(l.name(), l.at());
            }
            case "persistence_sync" -> {
                config.persistenceSync(choice(l, PersistenceSync.values(), PersistenceSync::configName));
                config.record(l.name(), l.at());
            }

            // plugins: built in, no native library is loaded
            case "plugin", "auth_plugin" -> {
                plugins.plugin(l, current);
                securitySeen = true;
            }

            // http listeners: web console, REST admin API, Prometheus metrics (Tern's own options)
            case "http_admin_users" -> {
                if (l.args().isEmpty()) {
                    throw l.error("missing value (one or more users of the password_file)");
                }
                config.http(config.http().withAdminUsers(l.args()));
                config.record(l.name(), l.at());
            }
            case "http_metrics_public" -> config.http(config.http().withMetricsPublic(globalBool(l)));
            case "metrics_topic_prefixes" -> HttpListenerOptions.metricsTopicPrefixes(config, l);

            default -> {
                if (BridgeOptions.NAMES.contains(l.name())) {
                    bridges.apply(l);
                } else if (!BehaviourOptions.apply(l, config)) {
                    other(l);
                }
            }
        }
    }

    private void other(Line l) throws ConfigException {
        if (l.name().startsWith("plugin_opt_") || l.name().startsWith("auth_opt_")) {
            plugins.option(l);
        } else if (ClusterConfig.isClusterOption(l.name())) {
            config.cluster().apply(l.at(), l.name(), l.args());
        } else if (MosquittoOptions.NO_LONGER_AVAILABLE.contains(l.name())) {
            warn(l, "option '" + l.name() + "' is no longer available and has no effect (as in Mosquitto 2.0)");
        } else if (MosquittoOptions.notSupported(l.name())) {
            throw ConfigException.notSupported(l.at(), l.name());
        } else {
            throw new ConfigException(l.at(), "unknown option '" + l.name() + "'");
        }
    }

    private void listener(Line l) throws ConfigException {
        if (l.args().isEmpty()) {
            throw l.error("missing port");
        }
        if (l.args().size() > 2) {
            throw l.error("unexpected extra argument '" + l.args().get(2) + "'");
        }
        String portWord = l.args().get(0);
        int port = (int) number(l, portWord, 0, 65535);
        String address = l.args().size() > 1 ? l.args().get(1) : null;
        if (port == 0) {
            if (address == null) {
                throw l.error("a listener with port 0 must give a Unix socket path");
            }
            throw new ConfigException(l.at(), "option 'listener' with a Unix socket path is not supported yet");
        }
        String key = port + " " + (address == null ? "*" : address);
        Location earlier = listenerLines.putIfAbsent(key, l.at());
        if (earlier != null) {
            throw l.error("port " + port + (address == null ? "" : " on " + address)
                    + " is already defined at " + earlier);
        }
        current = new ListenerConfig(port, address).location(l.at());
        config.addListener(current);
    }

    private void mountPoint(Line l) throws ConfigException {
        if (config.listeners().isEmpty()) {
            throw l.error("define a listener before using mount_point");
        }
        String v = l.text();
        if (v.indexOf('+') >= 0 || v.indexOf('#') >= 0) {
            throw l.error("'" + v + "' contains a wildcard character");
        }
        current.mountPoint(listenerText(l, current.mountPoint()));
    }

    private void refuseWithPsk(Line l) throws ConfigException {
        if (current.pskHint() != null) {
            throw l.error("cannot use both certificate and psk encryption in a single listener");
        }
    }

    private void perListenerSettings(Line l) throws ConfigException {
        boolean v = bool(l);
        if (config.perListenerSettings()) {
            if (!v) {
                warn(l, "per_listener_settings is already true and cannot be turned off (as in Mosquitto)");
            }
            return;
        }
        if (v && securitySeen) {
            throw l.error("must be set before any other security setting");
        }
        config.perListenerSettings(v);
        config.record(l.name(), l.at());
    }

    /** Marks a security option and records it where per_listener_settings puts it. */
    private void security(Line l) {
        securitySeen = true;
        if (config.perListenerSettings()) {
            current.record(l.name(), l.at());
        } else {
            config.record(l.name(), l.at());
        }
    }

    private String securityText(Line l) throws ConfigException {
        String v = l.text();
        Optional<Location> earlier = config.perListenerSettings()
                ? current.locationOf(l.name()) : config.locationOf(l.name());
        if (earlier.isPresent()) {
            throw duplicate(l, earlier.get());
        }
        security(l);
        return v;
    }

    private String listenerText(Line l, String existing) throws ConfigException {
        String v = l.text();
        Optional<Location> earlier = current.locationOf(l.name());
        if (existing != null && earlier.isPresent()) {
            throw duplicate(l, earlier.get());
        }
        current.record(l.name(), l.at());
        return v;
    }

    private String globalText(Line l) throws ConfigException {
        String v = l.text();
        Optional<Location> earlier = config.locationOf(l.name());
        if (earlier.isPresent()) {
            throw duplicate(l, earlier.get());
        }
        config.record(l.name(), l.at());
        return v;
    }

    private boolean globalBool(Line l) throws ConfigException {
        boolean v = bool(l);
        config.record(l.name(), l.at());
        return v;
    }

    private static ConfigException duplicate(Line l, Location earlier) {
        // Mosquitto: "Duplicate X value in configuration".
        return l.error("duplicate value (already set at " + earlier + ")");
    }

    private void logDest(Line l) throws ConfigException {
        if (l.args().isEmpty()) {
            throw l.error("missing value");
        }
        String dest = l.args().get(0);
        if (dest.equals("file")) {
            String path = l.rest().substring(4).strip();
            if (path.isEmpty()) {
                throw l.error("'file' needs the path of the log file");
            }
            Optional<Location> earlier = config.locationOf("log_dest file");
            if (earlier.isPresent()) {
                throw l.error("only one 'file' destination is allowed (already set at " + earlier.get() + ")");
            }
            config.logFile(path);
            config.record("log_dest file", l.at());
            logDest.add(LogDestination.FILE);
        } else {
            l.word();
            switch (dest) {
                case "none" -> logDest.clear();
                case "stdout" -> logDest.add(LogDestination.STDOUT);
                case "stderr" -> logDest.add(LogDestination.STDERR);
                case "topic" -> logDest.add(LogDestination.TOPIC);
                case "syslog", "dlt" -> throw new ConfigException(l.at(),
                        "option 'log_dest " + dest + "' is not supported yet");
                default -> throw l.error("'" + dest
                        + "' is not one of stdout, stderr, file, topic, none (syslog, dlt)");
            }
        }
        logDestSet = true;
        config.record(l.name(), l.at());
    }

    private void logType(Line l) throws ConfigException {
        String type = l.word();
        switch (type) {
            case "none" -> logType.clear();
            case "all" -> logType.addAll(EnumSet.allOf(LogType.class));
            default -> {
                LogType t = null;
                for (LogType candidate : LogType.values()) {
                    if (candidate.configName().equals(type)) {
                        t = candidate;
                    }
                }
                if (t == null) {
                    throw l.error("'" + type + "' is not one of debug, error, warning, notice, information,"
                            + " subscribe, unsubscribe, websockets, none, all");
                }
                logType.add(t);
            }
        }
        logTypeSet = true;
        config.record(l.name(), l.at());
    }

    private void includeDir(Line l, int level) throws ConfigException {
        String dirText = l.text();
        if (level > 0) {
            // Mosquitto skips it silently; say so instead.
            throw l.error("only allowed in the main configuration file");
        }
        config.record(l.name(), l.at());
        Path dir = config.resolve(dirText);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (n.length() > 5 && n.endsWith(".conf")) {
                    files.add(Path.of(dirText).resolve(n));
                }
            }
        } catch (IOException e) {
            throw l.error("unable to open directory '" + dirText + "'");
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString(), ConfigParser::includeOrder));
        Path main = mainFile.toAbsolutePath().normalize();
        for (Path f : files) {
            if (config.resolve(f.toString()).equals(main)) {
                throw l.error("'" + dirText + "' contains the main configuration file");
            }
        }
        for (Path f : files) {
            try {
                readFile(f, level + 1);
            } catch (ConfigException e) {
                if (e.line() != 0) {
                    throw e;
                }
                // The included file itself could not be read: say which, at the include_dir line.
                throw l.error(e.getMessage());
            }
        }
    }

    /**
     * Mosquitto's include_dir order: case-insensitive first, and where two names differ only in case, upper
     * case first (00.conf, 01.conf, A.conf, a.conf, B.conf, b.conf).
     */
    static int includeOrder(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char ca = a.charAt(i);
            char cb = b.charAt(i);
            int folded = Character.toUpperCase(ca) - Character.toUpperCase(cb);
            if (folded != 0) {
                return folded;
            }
            if (ca != cb) {
                return ca - cb;
            }
        }
        return a.length() - b.length();
    }

    // ---- values --------------------------------------------------------------------------------------

    static boolean bool(Line l) throws ConfigException {
        String v = l.word();
        return switch (v) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw l.error("'" + v + "' is not a boolean (true or false)");
        };
    }

    static int integer(Line l, long min, long max) throws ConfigException {
        return (int) number(l, l.word(), min, max);
    }

    static long longInteger(Line l, long min, long max) throws ConfigException {
        return number(l, l.word(), min, max);
    }

    static long number(Line l, String v, long min, long max) throws ConfigException {
        if (!v.matches("[+-]?[0-9]+")) {
            throw l.error("'" + v + "' is not a number");
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw l.error(v + " is out of range");
        }
        if (n < min || n > max) {
            String range = min == Integer.MIN_VALUE ? "at most " + max
                    : max >= Integer.MAX_VALUE ? "at least " + min
                    : "between " + min + " and " + max;
            throw l.error(v + " is out of range (must be " + range + ")");
        }
        return n;
    }

    static <E> E choice(Line l, E[] values, java.util.function.Function<E, String> name)
            throws ConfigException {
        String v = l.word();
        List<String> names = new ArrayList<>();
        for (E e : values) {
            if (name.apply(e).equals(v)) {
                return e;
            }
            names.add(name.apply(e));
        }
        throw l.error("'" + v + "' is not one of " + String.join(", ", names));
    }

    /** Mosquitto's duration: a positive integer and one of h, d, w, m (30 days), y (365 days). */
    static Duration duration(Line l) throws ConfigException {
        String v = l.word();
        if (!v.matches("[0-9]+[hdwmy]")) {
            throw l.error("'" + v + "' is not a duration (a number followed by h, d, w, m or y, e.g. 14d)");
        }
        long n;
        try {
            n = Long.parseLong(v.substring(0, v.length() - 1));
        } catch (NumberFormatException e) {
            throw l.error(v + " is out of range");
        }
        if (n <= 0) {
            throw l.error("'" + v + "' must be greater than zero");
        }
        long unitSeconds = switch (v.charAt(v.length() - 1)) {
            case 'h' -> 3600L;
            case 'd' -> 86_400L;
            case 'w' -> 7 * 86_400L;
            case 'm' -> 30 * 86_400L;
            default -> 365 * 86_400L;
        };
        if (n > Long.MAX_VALUE / unitSeconds / 1000) {
            throw l.error(v + " is out of range");
        }
        return Duration.ofSeconds(n * unitSeconds);
    }

    // ---- warnings and the final checks ---------------------------------------------------------------

    private void warn(Line l, String reason) {
        config.warn(new ConfigProblem(l.at(), reason));
    }

    private void warnDeprecated(Line l, String advice) {
        warn(l, "option '" + l.name() + "' is deprecated: " + advice);
    }

    private void finish() throws ConfigException {
        if (logDestSet) {
            config.logDest(logDest);
        }
        if (logTypeSet) {
            config.logType(logType);
        }
        PluginOptions.check(config.plugins(), this::report);
        List<ListenerConfig> all = new ArrayList<>(config.listeners());
        if (config.defaultListenerActive()) {
            all.add(config.defaultListener());
        } else {
            for (Map.Entry<String, Location> e : config.defaultListener().locations().entrySet()) {
                config.warn(new ConfigProblem(e.getValue(), "option '" + e.getKey()
                        + "' applies to the default listener, which is not started; it has no effect"
                        + " (put it after a 'listener' line)"));
            }
        }
        for (ConfigProblem p : config.cluster().problems()) {
            report(new ConfigException(p.location(), p.reason()));
        }
        for (ListenerConfig listener : all) {
            PluginOptions.check(listener.plugins(), this::report);
            checkTlsPair(listener, "certfile", listener.certfile(), "keyfile", listener.keyfile());
            checkTlsPair(listener, "keyfile", listener.keyfile(), "certfile", listener.certfile());
            HttpListenerOptions.check(listener, this::report);
        }
        HttpListenerOptions.warnWithoutListener(config, all);
        BridgeOptions.finish(config, this::report);
    }

    private void checkTlsPair(ListenerConfig listener, String have, String haveValue, String need,
            String needValue) throws ConfigException {
        if (haveValue != null && needValue == null) {
            Location at = listener.locationOf(have).orElseThrow();
            // Mosquitto would open this listener without TLS; refuse instead.
            report(new ConfigException(at, have + ": " + need + " is missing; certificate TLS needs both"));
        }
    }
}
