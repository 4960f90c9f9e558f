package io.tern.broker.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code cluster_*} options: whether this broker is a member of a Tern cluster and how it finds the others.
 * A configuration without {@code cluster_name} is a single broker, and the cluster module is never started.
 *
 * <pre>
 * cluster_name tern-prod
 * cluster_port 5701
 * cluster_bind_address 10.0.0.1
 * cluster_members 10.0.0.2:5701 10.0.0.3:5701
 * cluster_discovery tcp          # tcp (default) | multicast | kubernetes
 * cluster_node_id node1          # default: bind address and port
 * cluster_backup_count 1         # synchronous backups of cluster state (retained messages, sessions)
 * cluster_link_port 5801         # member-to-member message link; default: an ephemeral port
 * </pre>
 */
public final class ClusterConfig {

    /** How members find each other. */
    public enum Discovery {
        /** The static {@code cluster_members} list (Hazelcast's TCP/IP join). */
        TCP,
        /** UDP multicast on the local network. */
        MULTICAST,
        /** The Kubernetes API (Hazelcast's own discovery, inside a pod). */
        KUBERNETES;

        public String configName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** One {@code host:port} of {@code cluster_members}. */
    public record Member(String host, int port) {
        public Member {
            Objects.requireNonNull(host);
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** Hazelcast's default member port. */
    public static final int DEFAULT_PORT = 5701;

    private String name;
    private int port = DEFAULT_PORT;
    private String bindAddress;
    private final List<Member> members = new ArrayList<>();
    private Discovery discovery = Discovery.TCP;
    private String nodeId;
    private int backupCount = 1;
    private int linkPort;
    private final Map<String, Location> locations = new LinkedHashMap<>();

    /** Whether this broker is a cluster member ({@code cluster_name} is set). */
    public boolean enabled() { return name != null; }

    public String name() { return name; }

    public ClusterConfig name(String name) {
        this.name = name;
        return this;
    }

    public int port() { return port; }

    public ClusterConfig port(int port) {
        this.port = port;
        return this;
    }

    /** The address members talk to this one on; null = Hazelcast picks an interface. */
    public String bindAddress() { return bindAddress; }

    public ClusterConfig bindAddress(String address) {
        this.bindAddress = address;
        return this;
    }

    public List<Member> members() { return Collections.unmodifiableList(members); }

    public ClusterConfig addMember(String host, int port) {
        members.add(new Member(host, port));
        return this;
    }

    public Discovery discovery() { return discovery; }

    public ClusterConfig discovery(Discovery d) {
        this.discovery = Objects.requireNonNull(d);
        return this;
    }

    /** This node's name in logs and {@code $SYS}; null = derived from the member address. */
    public String nodeId() { return nodeId; }

    public ClusterConfig nodeId(String id) {
        this.nodeId = id;
        return this;
    }

    public int backupCount() { return backupCount; }

    public ClusterConfig backupCount(int n) {
        this.backupCount = n;
        return this;
    }

    /**
     * The TCP port of this node's message link (forwarded messages between nodes, besides {@link #port()} for
     * Hazelcast); 0 = an ephemeral port, which the node publishes to the others as a member attribute. Set it when
     * a firewall between the nodes must name every port.
     */
    public int linkPort() { return linkPort; }

    public ClusterConfig linkPort(int port) {
        this.linkPort = port;
        return this;
    }

    /** Where each cluster option was set. */
    public Map<String, Location> locations() { return Collections.unmodifiableMap(locations); }

    /** The option names this class reads. */
    static boolean isClusterOption(String option) {
        return switch (option) {
            case "cluster_name", "cluster_port", "cluster_bind_address", "cluster_members", "cluster_discovery",
                 "cluster_node_id", "cluster_backup_count", "cluster_link_port" -> true;
            default -> false;
        };
    }

    /** Reads one {@code cluster_*} line. */
    void apply(Location at, String option, List<String> args) throws ConfigException {
        if (args.isEmpty()) {
            throw new ConfigException(at, option + ": missing value");
        }
        if (!option.equals("cluster_members") && args.size() > 1) {
            throw new ConfigException(at, option + ": unexpected extra argument '" + args.get(1) + "'");
        }
        Location earlier = locations.get(option);
        if (earlier != null && !option.equals("cluster_members")) {
            throw new ConfigException(at, option + ": duplicate value (already set at " + earlier + ")");
        }
        String v = args.get(0);
        switch (option) {
            case "cluster_name" -> name = identifier(at, option, v);
            case "cluster_port" -> port = portNumber(at, option, v);
            case "cluster_bind_address" -> bindAddress = v;
            case "cluster_link_port" -> linkPort = portNumber(at, option, v);
            case "cluster_members" -> {
                for (String m : args) {
                    members.add(member(at, m));
                }
            }
            case "cluster_discovery" -> {
                discovery = null;
                for (Discovery d : Discovery.values()) {
                    if (d.configName().equals(v)) {
                        discovery = d;
                    }
                }
                if (discovery == null) {
                    discovery = Discovery.TCP;
                    throw new ConfigException(at, option + ": '" + v + "' is not one of tcp, multicast, kubernetes");
                }
            }
            case "cluster_node_id" -> nodeId = identifier(at, option, v);
            case "cluster_backup_count" -> {
                // Hazelcast allows at most 6 synchronous backups
                backupCount = (int) number(at, option, v, 0, 6);
            }
            default -> throw new IllegalArgumentException(option);
        }
        locations.put(option, at);
    }

    /** Checks that need the whole file: cluster options without {@code cluster_name}. */
    List<ConfigProblem> problems() {
        List<ConfigProblem> out = new ArrayList<>();
        if (name == null) {
            for (Map.Entry<String, Location> e : locations.entrySet()) {
                out.add(new ConfigProblem(e.getValue(), e.getKey() + ": has no effect without cluster_name"));
            }
        } else if (linkPort != 0 && linkPort == port) {
            out.add(new ConfigProblem(locations.get("cluster_link_port"), "cluster_link_port: " + linkPort
                    + " is the cluster_port too (the message link needs a port of its own)"));
        } else if (discovery != Discovery.TCP && locations.containsKey("cluster_members")) {
            out.add(new ConfigProblem(locations.get("cluster_members"),
                    "cluster_members: only used with cluster_discovery tcp (it is " + discovery.configName() + ")"));
        }
        return out;
    }

    private static String identifier(Location at, String option, String v) throws ConfigException {
        if (!v.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new ConfigException(at, option + ": '" + v
                    + "' must be 1 to 64 letters, digits, '.', '_' or '-' (it is part of topic names)");
        }
        return v;
    }

    private static Member member(Location at, String word) throws ConfigException {
        String host;
        String portText;
        if (word.startsWith("[")) {
            int close = word.indexOf(']');
            if (close < 0 || close + 1 >= word.length() || word.charAt(close + 1) != ':') {
                throw new ConfigException(at, "cluster_members: '" + word + "' is not host:port ([v6addr]:port)");
            }
            host = word.substring(1, close);
            portText = word.substring(close + 2);
        } else {
            int colon = word.lastIndexOf(':');
            if (colon <= 0 || word.indexOf(':') != colon) {
                throw new ConfigException(at, "cluster_members: '" + word + "' is not host:port");
            }
            host = word.substring(0, colon);
            portText = word.substring(colon + 1);
        }
        return new Member(host, portNumber(at, "cluster_members", portText));
    }

    private static int portNumber(Location at, String option, String v) throws ConfigException {
        return (int) number(at, option, v, 1, 65535);
    }

    private static long number(Location at, String option, String v, long min, long max) throws ConfigException {
        if (!v.matches("[0-9]{1,9}")) {
            throw new ConfigException(at, option + ": '" + v + "' is not a number");
        }
        long n = Long.parseLong(v);
        if (n < min || n > max) {
            throw new ConfigException(at, option + ": " + v + " is out of range (must be between " + min + " and "
                    + max + ")");
        }
        return n;
    }
}
