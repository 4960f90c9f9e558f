package io.tern.cli;

import io.tern.client.TopicFilter;
import io.tern.codec.MqttVersion;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line of tern-pub / tern-sub / tern-rr, parsed the way Mosquitto's {@code client_shared.c} parses
 * it: options in order, the last one wins, the same error messages. Hand-written rather than picocli so errors and
 * exit codes match Mosquitto's exactly and start-up stays short.
 */
final class CliOptions {

    enum PubMode { NONE, CMD, FILE, STDIN_LINE, STDIN_FILE, NULL }

    final Tool tool;

    String host;
    int port = -1;
    String bindAddress;
    String id;
    String idPrefix;
    int keepAlive = 60;
    int qos;
    boolean retain;
    String username;
    String password;
    MqttVersion version = MqttVersion.MQTT_3_1_1;
    boolean debug;
    boolean quiet;
    boolean cleanSession = true;
    long sessionExpiry = -1; // -1: not given
    boolean sessionExpiryGiven;
    String willTopic;
    String willPayload;
    int willQos;
    boolean willRetain;
    String cafile;
    String capath;
    String certfile;
    String keyfile;
    boolean insecure;
    String tlsVersion;
    String ciphers;
    String tlsAlpn;
    boolean tlsUseOsCerts;
    String psk;
    String pskIdentity;
    boolean webSockets;
    String scheme = "tcp";
    boolean tcpNoDelay;
    int maxInflight = 20;

    // pub
    PubMode pubMode = PubMode.NONE;
    String message;
    String file;
    int repeatCount = 1;
    double repeatDelaySeconds;
    final List<String> topics = new ArrayList<>();

    // sub
    final List<String> filterOuts = new ArrayList<>();
    final List<String> unsubTopics = new ArrayList<>();
    int msgCount;
    int timeout;
    boolean noRetain;
    boolean eol = true;
    boolean exitAfterSub;
    boolean retainedOnly;
    boolean removeRetained;
    boolean verbose;
    boolean pretty;
    boolean retainAsPublished;
    String format;
    int randomFilter = 10000;

    // rr
    String responseTopic;

    final Properties.Builder connectProps = Properties.builder();
    final Properties.Builder publishProps = Properties.builder();
    final Properties.Builder subscribeProps = Properties.builder();
    final Properties.Builder unsubscribeProps = Properties.builder();
    final Properties.Builder disconnectProps = Properties.builder();
    final Properties.Builder willProps = Properties.builder();

    boolean help;

    private CliOptions(Tool tool) {
        this.tool = tool;
        if (tool == Tool.RR) {
            version = MqttVersion.MQTT_5;
        }
    }

    /** Parses a command line; {@link #help} is set for --help. */
    static CliOptions parse(Tool tool, String[] args) throws CliError {
        CliOptions o = new CliOptions(tool);
        o.lineProc(args);
        if (o.help) {
            return o;
        }
        o.check();
        return o;
    }

    private String value(String[] args, int i, String what) throws CliError {
        if (i == args.length - 1) {
            throw new CliError("Error: " + what + "\n\n");
        }
        return args[i + 1];
    }

    private void lineProc(String[] args) throws CliError {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-A" -> bindAddress = value(args, i++, "-A argument given but no address specified.");
                case "--cafile" -> cafile = value(args, i++, "--cafile argument given but no file specified.");
                case "--capath" -> capath = value(args, i++, "--capath argument given but no directory specified.");
                case "--cert" -> certfile = value(args, i++, "--cert argument given but no file specified.");
                case "--ciphers" -> ciphers = value(args, i++, "--ciphers argument given but no ciphers specified.");
                case "-C" -> {
                    only(a, tool == Tool.SUB);
                    msgCount = atoi(value(args, i++, "-C argument given but no count specified."));
                    if (msgCount < 1) {
                        throw new CliError("Error: Invalid message count \"" + msgCount + "\".\n\n");
                    }
                }
                case "-c", "--disable-clean-session" -> cleanSession = false;
                case "-d", "--debug" -> debug = true;
                case "-D", "--property" -> {
                    i += PropertyOption.parse(args, i + 1, this);
                    version = MqttVersion.MQTT_5;
                }
                case "-e" -> {
                    only(a, tool == Tool.RR);
                    String t = value(args, i++, "-e argument given but no response topic specified.");
                    if (!TopicFilter.isValidTopicName(t)) {
                        throw new CliError("Error: Invalid response topic '" + t + "', does it contain '+' or '#'?\n");
                    }
                    responseTopic = t;
                }
                case "-E" -> {
                    only(a, tool == Tool.SUB);
                    exitAfterSub = true;
                }
                case "-f", "--file" -> {
                    only(a, tool != Tool.SUB);
                    oneMode();
                    file = value(args, i++, "-f argument given but no file specified.");
                    pubMode = PubMode.FILE;
                }
                case "-F" -> {
                    only(a, tool != Tool.PUB);
                    format = value(args, i++, "-F argument given but no format specified.");
                    MessagePrinter.checkFormat(format);
                }
                case "--help" -> {
                    help = true;
                    return;
                }
                case "-h", "--host" -> host = value(args, i++, "-h argument given but no host specified.");
                case "--insecure" -> insecure = true;
                case "-i", "--id" -> {
                    if (idPrefix != null) {
                        throw new CliError("Error: -i and -I argument cannot be used together.\n\n");
                    }
                    id = value(args, i++, "-i argument given but no id specified.");
                }
                case "-I", "--id-prefix" -> {
                    if (id != null) {
                        throw new CliError("Error: -i and -I argument cannot be used together.\n\n");
                    }
                    idPrefix = value(args, i++, "-I argument given but no id prefix specified.");
                }
                case "-k", "--keepalive" -> {
                    keepAlive = atoi(value(args, i++, "-k argument given but no keepalive specified."));
                    if (keepAlive < 5 || keepAlive > 65535) {
                        throw new CliError(
                                "Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.\n\n");
                    }
                }
                case "--key" -> keyfile = value(args, i++, "--key argument given but no file specified.");
                case "-L", "--url" -> url(value(args, i++, "-L argument given but no URL specified."));
                case "-l", "--stdin-line" -> {
                    only(a, tool == Tool.PUB);
                    oneMode();
                    pubMode = PubMode.STDIN_LINE;
                }
                case "-m", "--message" -> {
                    only(a, tool != Tool.SUB);
                    oneMode();
                    message = value(args, i++, "-m argument given but no message specified.");
                    pubMode = PubMode.CMD;
                }
                case "-M" -> {
                    maxInflight = atoi(value(args, i++, "-M argument given but max_inflight not specified."));
                    if (maxInflight < 1) {
                        throw new CliError("Error: Maximum inflight messages must be greater than 0.\n\n");
                    }
                }
                case "--nodelay" -> tcpNoDelay = true;
                case "-n", "--null-message" -> {
                    only(a, tool != Tool.SUB);
                    oneMode();
                    pubMode = PubMode.NULL;
                }
                case "-N" -> {
                    only(a, tool != Tool.PUB);
                    eol = false;
                }
                case "-p", "--port" -> {
                    port = atoi(value(args, i++, "-p argument given but no port specified."));
                    if (port < 0 || port > 65535) {
                        throw new CliError("Error: Invalid port given: " + port + "\n");
                    }
                }
                case "--pretty" -> {
                    only(a, tool != Tool.PUB);
                    pretty = true;
                }
                case "-P", "--pw" -> password = value(args, i++, "-P argument given but no password specified.");
                case "--psk" -> psk = value(args, i++, "--psk argument given but no key specified.");
                case "--psk-identity" -> pskIdentity = value(args, i++,
                        "--psk-identity argument given but no identity specified.");
                case "-q", "--qos" -> {
                    qos = atoi(value(args, i++, "-q argument given but no QoS specified."));
                    if (qos < 0 || qos > 2) {
                        throw new CliError("Error: Invalid QoS given: " + qos + "\n");
                    }
                }
                case "--quiet" -> quiet = true;
                case "-r", "--retain" -> {
                    only(a, tool == Tool.PUB);
                    retain = true;
                }
                case "-R" -> {
                    only(a, tool != Tool.PUB);
                    noRetain = true;
                }
                case "--random-filter" -> {
                    only(a, tool == Tool.SUB);
                    randomFilter = (int) (10.0 * atof(value(args, i++,
                            "--random-filter argument given but no chance specified.")));
                    if (randomFilter > 10000 || randomFilter < 1) {
                        throw new CliError("Error: --random-filter chance must be between 0.1-100.0\n\n");
                    }
                }
                case "--remove-retained" -> {
                    only(a, tool == Tool.SUB);
                    removeRetained = true;
                }
                case "--repeat" -> {
                    only(a, tool == Tool.PUB);
                    repeatCount = atoi(value(args, i++, "--repeat argument given but no count specified."));
                    if (repeatCount < 1) {
                        throw new CliError("Error: --repeat argument must be >0.\n\n");
                    }
                }
                case "--repeat-delay" -> {
                    only(a, tool == Tool.PUB);
                    repeatDelaySeconds = atof(value(args, i++, "--repeat-delay argument given but no time specified."));
                    if (repeatDelaySeconds < 0) {
                        throw new CliError("Error: --repeat-delay argument must be >=0.0.\n\n");
                    }
                }
                case "--retain-as-published" -> {
                    only(a, tool != Tool.PUB);
                    retainAsPublished = true;
                }
                case "--retained-only" -> {
                    only(a, tool == Tool.SUB);
                    retainedOnly = true;
                }
                case "-s", "--stdin-file" -> {
                    only(a, tool != Tool.SUB);
                    oneMode();
                    pubMode = PubMode.STDIN_FILE;
                }
                case "-t", "--topic" -> addTopic(value(args, i++, "-t argument given but no topic specified."));
                case "-T", "--filter-out" -> {
                    only(a, tool == Tool.SUB);
                    String t = value(args, i++, "-T argument given but no topic filter specified.");
                    if (!TopicFilter.isValidFilter(t)) {
                        throw new CliError("Error: Invalid filter topic '" + t
                                + "', are all '+' and '#' wildcards correct?\n");
                    }
                    filterOuts.add(t);
                }
                case "--tls-alpn" -> tlsAlpn = value(args, i++, "--tls-alpn argument given but no protocol specified.");
                case "--tls-use-os-certs" -> tlsUseOsCerts = true;
                case "--tls-version" -> tlsVersion = value(args, i++,
                        "--tls-version argument given but no version specified.");
                case "-U", "--unsubscribe" -> {
                    only(a, tool == Tool.SUB);
                    String t = value(args, i++, "-U argument given but no unsubscribe topic specified.");
                    if (!TopicFilter.isValidFilter(t)) {
                        throw new CliError("Error: Invalid unsubscribe topic '" + t
                                + "', are all '+' and '#' wildcards correct?\n");
                    }
                    unsubTopics.add(t);
                }
                case "-u", "--username" -> username = value(args, i++, "-u argument given but no username specified.");
                case "-V", "--protocol-version" -> {
                    String v = value(args, i++, "--protocol-version argument given but no version specified.");
                    version = switch (v) {
                        case "mqttv31", "31" -> MqttVersion.MQTT_3_1;
                        case "mqttv311", "311" -> MqttVersion.MQTT_3_1_1;
                        case "mqttv5", "5" -> MqttVersion.MQTT_5;
                        default -> throw new CliError("Error: Invalid protocol version argument given.\n\n");
                    };
                }
                case "-v", "--verbose" -> {
                    only(a, tool != Tool.PUB);
                    verbose = true;
                }
                case "-W" -> {
                    only(a, tool != Tool.PUB);
                    timeout = atoi(value(args, i++, "-W argument given but no timeout specified."));
                    if (timeout < 1) {
                        throw new CliError("Error: Invalid timeout \"" + timeout + "\".\n\n");
                    }
                }
                case "--will-payload" -> willPayload = value(args, i++,
                        "--will-payload argument given but no will payload specified.");
                case "--will-qos" -> {
                    willQos = atoi(value(args, i++, "--will-qos argument given but no will QoS specified."));
                    if (willQos < 0 || willQos > 2) {
                        throw new CliError("Error: Invalid will QoS " + willQos + ".\n\n");
                    }
                }
                case "--will-retain" -> willRetain = true;
                case "--will-topic" -> {
                    String t = value(args, i++, "--will-topic argument given but no will topic specified.");
                    if (!TopicFilter.isValidTopicName(t)) {
                        throw new CliError("Error: Invalid will topic '" + t + "', does it contain '+' or '#'?\n");
                    }
                    willTopic = t;
                }
                case "-x" -> {
                    String v = value(args, i++, "-x argument given but no session expiry interval specified.");
                    if (v.equals("∞")) {
                        sessionExpiry = 0xFFFF_FFFFL;
                    } else {
                        long x;
                        try {
                            x = Long.decode(v);
                        } catch (NumberFormatException e) {
                            throw new CliError("Error: session-expiry-interval not a number.\n\n");
                        }
                        if (x > 0xFFFF_FFFFL || x < -1) {
                            throw new CliError("Error: session-expiry-interval out of range.\n\n");
                        }
                        sessionExpiry = x == -1 ? 0xFFFF_FFFFL : x;
                    }
                    sessionExpiryGiven = true;
                }
                default -> throw new CliError("Error: Unknown option '" + a + "'.\n");
            }
        }
    }

    /** Options that belong to other tools are unknown here, as in Mosquitto. */
    private static void only(String option, boolean allowed) throws CliError {
        if (!allowed) {
            throw new CliError("Error: Unknown option '" + option + "'.\n");
        }
    }

    private void oneMode() throws CliError {
        if (pubMode != PubMode.NONE) {
            throw new CliError("Error: Only one type of message can be sent at once.\n\n");
        }
    }

    private void addTopic(String topic) throws CliError {
        if (tool == Tool.SUB) {
            if (!TopicFilter.isValidFilter(topic)) {
                throw new CliError("Error: Invalid subscription topic '" + topic
                        + "', are all '+' and '#' wildcards correct?\n");
            }
            topics.add(topic);
        } else {
            if (!TopicFilter.isValidTopicName(topic)) {
                throw new CliError("Error: Invalid publish topic '" + topic + "', does it contain '+' or '#'?\n");
            }
            topics.clear();
            topics.add(topic);
        }
    }

    /** {@code -L mqtt(s)://[username[:password]@]host[:port]/topic}. */
    private void url(String url) throws CliError {
        String lower = url.toLowerCase(java.util.Locale.ROOT);
        String rest;
        if (lower.startsWith("mqtt://")) {
            rest = url.substring(7);
            port = 1883;
            scheme = "tcp";
        } else if (lower.startsWith("mqtts://")) {
            rest = url.substring(8);
            port = 8883;
            scheme = "ssl";
        } else if (lower.startsWith("ws://")) {
            rest = url.substring(5);
            port = 80;
            scheme = "ws";
        } else if (lower.startsWith("wss://")) {
            rest = url.substring(6);
            port = 443;
            scheme = "wss";
        } else {
            throw new CliError("Error: unsupported URL scheme.\n\n");
        }
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw new CliError("Error: Invalid URL for -L argument specified - topic missing.\n");
        }
        String topic = rest.substring(slash + 1);
        rest = rest.substring(0, slash);
        addTopic(topic);
        int at = rest.indexOf('@');
        if (at >= 0) {
            String cred = rest.substring(0, at);
            int colon = cred.indexOf(':');
            if (colon >= 0) {
                password = cred.substring(colon + 1);
                cred = cred.substring(0, colon);
            }
            username = cred;
            rest = rest.substring(at + 1);
        }
        int colon = rest.indexOf(':');
        if (colon >= 0) {
            port = atoi(rest.substring(colon + 1));
            rest = rest.substring(0, colon);
        }
        host = rest;
    }

    /** The checks Mosquitto makes once every option is read. */
    private void check() throws CliError {
        if (willPayload != null && willTopic == null) {
            throw new CliError("Error: Will payload given, but no will topic given.\n");
        }
        if (willRetain && willTopic == null) {
            throw new CliError("Error: Will retain given, but no will topic given.\n");
        }
        if ((certfile != null) != (keyfile != null)) {
            throw new CliError("Error: Both certfile and keyfile must be provided if one of them is set.\n");
        }
        if ((cafile != null || capath != null) && psk != null) {
            throw new CliError("Error: Only one of --psk or --cafile/--capath may be used at once.\n");
        }
        if (psk != null && pskIdentity == null) {
            throw new CliError("Error: --psk-identity required if --psk used.\n");
        }
        if (version == MqttVersion.MQTT_5) {
            if (!cleanSession && sessionExpiry == -1) {
                sessionExpiry = 0xFFFF_FFFFL;
            }
            if (sessionExpiry > 0) {
                if (sessionExpiry == 0xFFFF_FFFFL && (idPrefix != null || id == null)) {
                    throw new CliError(
                            "Error: You must provide a client id if you are using an infinite session expiry interval.\n");
                }
                connectProps.put(PropertyId.SESSION_EXPIRY_INTERVAL, sessionExpiry);
            }
        } else if (!cleanSession && (idPrefix != null || id == null)) {
            throw new CliError("Error: You must provide a client id if you are using the -c option.\n");
        }
        if (tool == Tool.SUB && topics.isEmpty()) {
            throw new CliError("Error: You must specify a topic to subscribe to.\n");
        }
        if (tool == Tool.SUB && noRetain && retainedOnly) {
            throw new CliError("\nError: Combining '-R' and '--retained-only' makes no sense.\n", false);
        }
        if (host == null) {
            host = "localhost";
        }
        if (psk != null || cafile != null || capath != null || tlsUseOsCerts) {
            scheme = scheme.equals("ws") || scheme.equals("wss") ? "wss" : "ssl";
        }
        if (port < 0) {
            port = scheme.equals("ssl") || scheme.equals("wss") ? 8883 : 1883;
        }
        if (tool == Tool.SUB && msgCount > 0 && msgCount < maxInflight) {
            // As Mosquitto: do not take more QoS 1/2 messages than we will print.
            connectProps.put(PropertyId.RECEIVE_MAXIMUM, msgCount);
        }
    }

    /** The client identifier to use: -i, or -I plus the process id, or none (the broker picks). */
    String clientId() {
        if (id != null) {
            return id;
        }
        if (idPrefix != null) {
            return idPrefix + ProcessHandle.current().pid();
        }
        return "";
    }

    String serverUri() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return scheme + "://" + h + ":" + port;
    }

    /** C's {@code atoi}: leading blanks, a sign, digits; anything after them is ignored; 0 when none. */
    static int atoi(String s) {
        long v = atol(s);
        return (int) v;
    }

    static long atol(String s) {
        int i = 0;
        int n = s.length();
        while (i < n && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean neg = false;
        if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            neg = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < n && Character.isDigit(s.charAt(i)) && v < 100_000_000_000L) {
            v = v * 10 + (s.charAt(i) - '0');
            i++;
        }
        return neg ? -v : v;
    }

    /** C's {@code atof}, leniently: the longest leading number, 0 when none. */
    static double atof(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?")
                .matcher(s);
        return m.find() ? Double.parseDouble(m.group().trim()) : 0;
    }
}
