package io.tern.broker.config;

import io.tern.codec.Topics;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The bridge options of mosquitto.conf ({@code connection NAME} and what follows it), read with Mosquitto
 * 2.0's rules (src/conf.c, src/bridge_topic.c): every bridge option belongs to the last {@code connection}
 * line and is an error before the first one; string options may not repeat; {@code address} at most once per
 * bridge; topic lines {@code topic PATTERN [[[out|in|both] QOS] LOCAL_PREFIX REMOTE_PREFIX]} with {@code ""}
 * for an empty pattern or prefix. The checks Mosquitto makes after reading (an address and a topic per
 * bridge, both PSK options, unique local client ids) are made by {@link #finish}.
 */
final class BridgeOptions {

    /** The option names this class reads. */
    static final Set<String> NAMES = Set.of("connection", "address", "addresses", "topic", "round_robin",
            "bridge_protocol_version", "cleansession", "local_cleansession", "remote_clientid", "clientid",
            "local_clientid", "remote_username", "username", "remote_password", "password", "local_username",
            "local_password", "keepalive_interval", "idle_timeout", "notifications", "notifications_local_only",
            "notification_topic", "restart_timeout", "start_type", "threshold", "try_private",
            "bridge_attempt_unsubscribe", "bridge_bind_address", "bridge_max_packet_size", "bridge_outgoing_retain",
            "bridge_cafile", "bridge_capath", "bridge_certfile", "bridge_keyfile", "bridge_insecure",
            "bridge_tls_version", "bridge_alpn", "bridge_identity", "bridge_psk", "bridge_session_expiry_interval",
            "bridge_max_topic_alias");

    private final BrokerConfig config;
    private BridgeConfig current;
    /** Where each string option of the current bridge was set, for "duplicate value" errors. */
    private final Map<String, Location> seen = new HashMap<>();

    BridgeOptions(BrokerConfig config) {
        this.config = config;
    }

    /** Reads one bridge option line ({@link #NAMES} holds its name). */
    void apply(ConfigParser.Line l) throws ConfigException {
        if (l.name().equals("connection")) {
            connection(l);
            return;
        }
        BridgeConfig b = current;
        if (b == null) {
            // Mosquitto: "Error: Invalid bridge configuration."
            throw l.error("only allowed in a bridge section (after a 'connection' line)");
        }
        switch (l.name()) {
            case "address", "addresses" -> addresses(l, b);
            case "topic" -> topic(l, b);
            case "round_robin" -> b.roundRobin(ConfigParser.bool(l));
            case "bridge_protocol_version" -> {
                String v = l.word();
                BridgeConfig.ProtocolVersion pv = null;
                for (BridgeConfig.ProtocolVersion p : BridgeConfig.ProtocolVersion.values()) {
                    if (p.configName().equals(v)) {
                        pv = p;
                    }
                }
                if (pv == null) {
                    throw l.error("'" + v + "' is not one of mqttv31, mqttv311, mqttv50");
                }
                b.protocolVersion(pv);
            }
            case "cleansession" -> b.cleanSession(ConfigParser.bool(l));
            case "local_cleansession" -> b.localCleanSession(ConfigParser.bool(l));
            case "remote_clientid", "clientid" -> b.remoteClientId(once(l, "remote_clientid"));
            case "local_clientid" -> b.localClientId(once(l, l.name()));
            case "remote_username", "username" -> b.remoteUsername(once(l, "remote_username"));
            case "remote_password", "password" -> b.remotePassword(once(l, "remote_password"));
            case "local_username" -> b.localUsername(once(l, l.name()));
            case "local_password" -> b.localPassword(once(l, l.name()));
            case "keepalive_interval" -> {
                int v = ConfigParser.integer(l, Integer.MIN_VALUE, 65535);
                if (v < 5) {
                    warn(l, "keepalive interval too low, using 5 seconds (as Mosquitto)");
                    v = 5;
                }
                b.keepalive(v);
            }
            case "idle_timeout" -> {
                int v = ConfigParser.integer(l, Integer.MIN_VALUE, Integer.MAX_VALUE);
                if (v < 1) {
                    warn(l, "idle_timeout interval too low, using 1 second (as Mosquitto)");
                    v = 1;
                }
                b.idleTimeout(v);
            }
            case "notifications" -> b.notifications(ConfigParser.bool(l));
            case "notifications_local_only" -> b.notificationsLocalOnly(ConfigParser.bool(l));
            case "notification_topic" -> {
                String t = once(l, l.name());
                String why = Topics.topicNameError(t);
                if (why != null) {
                    throw l.error(why);
                }
                b.notificationTopic(t);
            }
            case "restart_timeout" -> restartTimeout(l, b);
            case "start_type" -> {
                String v = l.word();
                switch (v) {
                    case "automatic" -> b.startType(BridgeConfig.StartType.AUTOMATIC);
                    case "lazy" -> b.startType(BridgeConfig.StartType.LAZY);
                    case "once" -> b.startType(BridgeConfig.StartType.ONCE);
                    case "manual" -> throw l.error("manual start_type is not supported (as in Mosquitto)");
                    default -> throw l.error("'" + v + "' is not one of automatic, lazy, once");
                }
            }
            case "threshold" -> {
                int v = ConfigParser.integer(l, Integer.MIN_VALUE, Integer.MAX_VALUE);
                if (v < 1) {
                    warn(l, "threshold too low, using 1 message (as Mosquitto)");
                    v = 1;
                }
                b.threshold(v);
            }
            case "try_private" -> b.tryPrivate(ConfigParser.bool(l));
            case "bridge_attempt_unsubscribe" -> b.attemptUnsubscribe(ConfigParser.bool(l));
            case "bridge_bind_address" -> b.bindAddress(once(l, l.name()));
            case "bridge_max_packet_size" -> b.maxPacketSize(Math.max(0,
                    ConfigParser.integer(l, Integer.MIN_VALUE, Integer.MAX_VALUE)));
            case "bridge_outgoing_retain" -> b.outgoingRetain(ConfigParser.bool(l));
            case "bridge_session_expiry_interval" -> {
                String v = l.word();
                if (!v.matches("[0-9]{1,10}") || Long.parseLong(v) > 0xFFFFFFFFL) {
                    throw l.error("'" + v + "' is not a number of seconds from 0 to 4294967295");
                }
                b.sessionExpiryInterval(Long.parseLong(v));
            }
            case "bridge_max_topic_alias" -> b.maxTopicAlias(ConfigParser.integer(l, 0, 65535));
            case "bridge_cafile" -> b.cafile(certificateOption(l, b));
            case "bridge_capath" -> b.capath(certificateOption(l, b));
            case "bridge_certfile" -> b.certfile(certificateOption(l, b));
            case "bridge_keyfile" -> b.keyfile(certificateOption(l, b));
            case "bridge_insecure" -> {
                b.insecure(ConfigParser.bool(l));
                if (b.insecure()) {
                    warn(l, "Bridge " + b.name() + " using insecure mode");
                }
            }
            case "bridge_tls_version" -> {
                String v = once(l, l.name());
                if (!List.of("tlsv1.1", "tlsv1.2", "tlsv1.3").contains(v)) {
                    throw l.error("'" + v + "' is not one of tlsv1.1, tlsv1.2, tlsv1.3");
                }
                b.tlsVersion(v);
            }
            case "bridge_alpn" -> b.alpn(once(l, l.name()));
            case "bridge_identity" -> {
                if (b.cafile() != null || b.capath() != null || b.certfile() != null || b.keyfile() != null) {
                    throw l.error("cannot use both certificate and identity encryption in a single bridge");
                }
                b.identity(once(l, l.name()));
            }
            case "bridge_psk" -> {
                if (b.cafile() != null || b.capath() != null || b.certfile() != null || b.keyfile() != null) {
                    throw l.error("cannot use both certificate and psk encryption in a single bridge");
                }
                String v = once(l, l.name());
                if (!v.matches("[0-9a-fA-F]+")) {
                    throw l.error("'" + v + "' is not a hexadecimal key");
                }
                b.psk(v);
            }
            default -> throw new IllegalStateException(l.name());
        }
    }

    private void connection(ConfigParser.Line l) throws ConfigException {
        String name = l.word();
        for (BridgeConfig b : config.bridges()) {
            if (b.name().equals(name)) {
                throw l.error("duplicate bridge name \"" + name + "\" (already used at " + b.location() + ")");
            }
        }
        current = new BridgeConfig(name, l.at());
        seen.clear();
        config.addBridge(current);
    }

    private String once(ConfigParser.Line l, String key) throws ConfigException {
        String v = l.text();
        Location earlier = seen.putIfAbsent(key, l.at());
        if (earlier != null) {
            throw l.error("duplicate value (already set at " + earlier + ")");
        }
        return v;
    }

    private String certificateOption(ConfigParser.Line l, BridgeConfig b) throws ConfigException {
        if (b.identity() != null || b.psk() != null) {
            throw l.error("cannot use both certificate and psk encryption in a single bridge");
        }
        return once(l, l.name());
    }

    private void addresses(ConfigParser.Line l, BridgeConfig b) throws ConfigException {
        if (b.addressLocation() != null) {
            throw l.error("this bridge already has its addresses (set at " + b.addressLocation() + ")");
        }
        if (l.args().isEmpty()) {
            throw l.error("missing value");
        }
        for (String a : l.args()) {
            String host = a;
            int port = 1883;
            int colon = a.lastIndexOf(':');
            if (a.startsWith("[") && a.contains("]")) {
                int close = a.indexOf(']');
                host = a.substring(1, close);
                String rest = a.substring(close + 1);
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":")) {
                        throw l.error("'" + a + "' is not host[:port]");
                    }
                    port = port(l, a, rest.substring(1));
                }
            } else if (colon >= 0) {
                // Mosquitto splits at the last ':', so an IPv6 address needs its port: ::1:1883
                host = a.substring(0, colon);
                port = port(l, a, a.substring(colon + 1));
            }
            if (host.isEmpty()) {
                throw l.error("'" + a + "' has no host");
            }
            b.address(host, port);
            checkResolves(l, host);
        }
        b.addressLocation(l.at());
    }

    private static int port(ConfigParser.Line l, String address, String port) throws ConfigException {
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw l.error("invalid port value in '" + address + "' (must be between 1 and 65535)");
        }
        return Integer.parseInt(port);
    }

    /** Mosquitto only warns about an address that does not resolve (it may resolve later); so do we. */
    private void checkResolves(ConfigParser.Line l, String host) {
        if (host.matches("[0-9a-fA-F.:]+")) {
            return; // a literal address: nothing to look up
        }
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException | SecurityException e) {
            warn(l, "Unable to resolve bridge address " + host + ".");
        }
    }

    /** {@code topic PATTERN [[[out|in|both] QOS] LOCAL_PREFIX REMOTE_PREFIX]}, as src/bridge_topic.c. */
    private static void topic(ConfigParser.Line l, BridgeConfig b) throws ConfigException {
        // the words as written: '#' is a pattern here, and starts a comment only from the QoS on (as Mosquitto)
        List<String> a = new java.util.ArrayList<>();
        for (String w : l.rest().split("[ \t]+")) {
            if (w.isEmpty()) {
                continue;
            }
            if (a.size() >= 2 && w.charAt(0) == '#') {
                break;
            }
            a.add(w);
        }
        if (a.isEmpty()) {
            throw l.error("missing value");
        }
        if (a.size() > 5) {
            throw l.error("unexpected extra argument '" + a.get(5) + "'");
        }
        String pattern = empty(a.get(0)) ? null : a.get(0);
        BridgeConfig.Direction direction = BridgeConfig.Direction.OUT;
        int qos = 0;
        if (a.size() > 1) {
            try {
                direction = BridgeConfig.Direction.valueOf(a.get(1).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw l.error("invalid bridge topic direction '" + a.get(1) + "' (must be out, in or both)");
            }
        }
        if (a.size() > 2) {
            String q = a.get(2);
            if (!q.matches("[0-2]")) {
                throw l.error("invalid bridge QoS level '" + q + "' (must be 0, 1 or 2)");
            }
            qos = Integer.parseInt(q);
        }
        String localPrefix = a.size() > 3 && !empty(a.get(3)) ? a.get(3) : null;
        String remotePrefix = a.size() > 4 && !empty(a.get(4)) ? a.get(4) : null;
        if (localPrefix != null && Topics.hasWildcard(localPrefix)) {
            throw l.error("invalid bridge topic local prefix '" + localPrefix + "'");
        }
        if (remotePrefix != null && Topics.hasWildcard(remotePrefix)) {
            throw l.error("invalid bridge topic remote prefix '" + remotePrefix + "'");
        }
        if (pattern == null && (localPrefix == null || remotePrefix == null)) {
            // Mosquitto: "Invalid bridge remapping."
            throw l.error("an empty topic (\"\") needs both a local and a remote prefix");
        }
        String base = pattern == null ? "" : pattern;
        for (String[] side : new String[][] {{"local", localPrefix}, {"remote", remotePrefix}}) {
            String full = (side[1] == null ? "" : side[1]) + base;
            String why = Topics.topicFilterError(full);
            if (why != null) {
                throw l.error("invalid bridge topic " + side[0] + " prefix and pattern combination '" + full
                        + "': " + why);
            }
        }
        b.topic(pattern, direction, qos, localPrefix, remotePrefix);
    }

    private static boolean empty(String word) {
        return word.equals("\"\"");
    }

    private static void restartTimeout(ConfigParser.Line l, BridgeConfig b) throws ConfigException {
        List<String> a = l.args();
        if (a.isEmpty()) {
            throw l.error("missing value");
        }
        if (a.size() > 2) {
            throw l.error("unexpected extra argument '" + a.get(2) + "'");
        }
        int base = (int) ConfigParser.number(l, a.get(0), Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (base < 1) {
            base = 1; // Mosquitto: "restart_timeout interval too low, using 1 second."
        }
        Integer cap = null;
        if (a.size() == 2) {
            cap = (int) ConfigParser.number(l, a.get(1), Integer.MIN_VALUE, Integer.MAX_VALUE);
            if (cap < base) {
                throw l.error("backoff cap " + cap + " is lower than the base " + base);
            }
        }
        b.restartTimeout(base, cap);
    }

    private void warn(ConfigParser.Line l, String reason) {
        config.warn(new ConfigProblem(l.at(), reason));
    }

    /** The checks Mosquitto makes once the file is read, each at its bridge's {@code connection} line. */
    static void finish(BrokerConfig config, ConfigParser.Reporter report) throws ConfigException {
        Map<String, BridgeConfig> localIds = new HashMap<>();
        String host = null;
        for (BridgeConfig b : config.bridges()) {
            Location at = b.location();
            String prefix = "connection " + b.name() + ": ";
            if (b.addresses().isEmpty()) {
                report.report(new ConfigException(at, prefix + "no address; a bridge needs 'address host[:port]'"));
            }
            if (b.topics().isEmpty()) {
                report.report(new ConfigException(at, prefix + "no topics; a bridge needs at least one 'topic' line"));
            }
            if (b.psk() != null && b.identity() == null) {
                report.report(new ConfigException(at, prefix + "bridge_psk needs bridge_identity"));
            }
            if (b.identity() != null && b.psk() == null) {
                report.report(new ConfigException(at, prefix + "bridge_identity needs bridge_psk"));
            }
            if ((b.certfile() == null) != (b.keyfile() == null)) {
                report.report(new ConfigException(at, prefix + "bridge_certfile and bridge_keyfile go together"));
            }
            if ((b.certfile() != null || b.insecure() || b.tlsVersion() != null || b.alpn() != null)
                    && !b.usesCertificateTls()) {
                report.report(new ConfigException(at, prefix + "TLS options need bridge_cafile or bridge_capath"));
            }
            if (b.remoteClientId() == null) {
                if (host == null) {
                    host = hostname();
                }
                b.remoteClientId(host + "." + b.name());
            }
            BridgeConfig other = localIds.putIfAbsent(b.localClientId(), b);
            if (other != null) {
                report.report(new ConfigException(at, prefix + "local_clientid '" + b.localClientId()
                        + "' is not unique (bridge " + other.name() + " uses it too); set local_clientid"));
            }
        }
    }

    /** gethostname(), as Mosquitto uses: the kernel's name, without a DNS lookup where Linux tells it. */
    private static String hostname() {
        try {
            String h = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: ask the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
