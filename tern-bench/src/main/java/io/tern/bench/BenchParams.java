package io.tern.bench;

import io.tern.codec.MqttVersion;
import picocli.CommandLine.Option;

/**
 * Everything a run needs to know. The fields are picocli options (mixed into {@link TernBench}) and can be
 * set directly by code that embeds a run, e.g. tests.
 */
public final class BenchParams {

    Scenario scenario = Scenario.FANIN;

    @Option(names = {"-h", "--host"}, description = "broker host (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = {"-p", "--port"}, description = "broker port (default: ${DEFAULT-VALUE})")
    int port = 1883;

    @Option(names = "--sub-ports", split = ",", description = "subscribers connect to these ports of the host, "
            + "round robin, instead of -p (a cluster: publishers on one node, subscribers on others)")
    java.util.List<Integer> subPorts = new java.util.ArrayList<>();

    @Option(names = {"-c", "--clients"}, description = "conn: connections; pub/fanin/latency: publishers; "
            + "sub/fanout: subscribers (default: 1; fanin 10, fanout 100)")
    Integer clients;

    @Option(names = {"-n", "--subscribers"}, description = "subscribers for fanin and latency (default: ${DEFAULT-VALUE})")
    int subscribers = 1;

    @Option(names = {"-q", "--qos"}, description = "QoS of publishes and subscriptions, 0..2 (default: ${DEFAULT-VALUE})")
    int qos = 0;

    @Option(names = {"-s", "--size"}, description = "payload bytes, at least 24 (default: ${DEFAULT-VALUE})")
    int payloadSize = 64;

    @Option(names = {"-I", "--interval"}, description = "milliseconds between two publishes of one publisher "
            + "(default: as fast as possible)")
    double intervalMs;

    @Option(names = "--rate", description = "total messages per second over all publishers (conn: connections "
            + "per second; latency default 1000)")
    double rate;

    @Option(names = "--inflight", description = "most unacknowledged QoS 1/2 publishes per publisher "
            + "(default: ${DEFAULT-VALUE})")
    int inflight = 100;

    @Option(names = {"-V", "--protocol"}, description = "MQTT protocol level: 3, 4 or 5 (default: ${DEFAULT-VALUE})")
    int protocol = 4;

    @Option(names = {"-t", "--topic"}, description = "publish topic, %%i = publisher number (default per scenario)")
    String topic;

    @Option(names = "--filter", description = "subscription filter, %%i = subscriber number (default per scenario)")
    String filter;

    @Option(names = {"-d", "--duration"}, description = "seconds to publish, or to hold connections "
            + "(default: ${DEFAULT-VALUE})")
    double durationS = 10;

    @Option(names = "--count", description = "messages per publisher; the run ends when all are sent and "
            + "acknowledged, or at --duration")
    long count;

    @Option(names = "--drain", description = "seconds to wait after publishing for messages still on their "
            + "way (default: ${DEFAULT-VALUE})")
    double drainS = 5;

    @Option(names = "--connect-timeout", description = "seconds to set up all connections and subscriptions "
            + "(default: ${DEFAULT-VALUE})")
    double connectTimeoutS = 60;

    @Option(names = {"-k", "--keepalive"}, description = "keep alive seconds (default: ${DEFAULT-VALUE})")
    int keepAlive = 300;

    @Option(names = "--source-ips", description = "spread connections over 127.0.0.1..127.0.0.N to pass the "
            + "~28k ephemeral ports of one address; 0 = one per 20,000 connections (default: ${DEFAULT-VALUE})")
    int sourceIps = 0;

    @Option(names = "--threads", description = "event loop threads (default: available processors)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--client-id-prefix", description = "client identifier prefix (default: tb-<run id>)")
    String clientIdPrefix;

    @Option(names = "--persistent", description = "subscribers keep a persistent session (clean session 0, or "
            + "MQTT 5 session expiry 1 h), so a broker with persistence stores their QoS 1/2 deliveries")
    boolean persistent;

    /** The scenario's -c, with its default. */
    int clients() {
        if (clients != null) {
            return clients;
        }
        return switch (scenario) {
            case FANIN -> 10;
            case FANOUT -> 100;
            default -> 1;
        };
    }

    String topic() { return topic != null ? topic : scenario.defaultTopic(); }

    String filter() { return filter != null ? filter : scenario.defaultFilter(); }

    MqttVersion version() {
        return switch (protocol) {
            case 3 -> MqttVersion.MQTT_3_1;
            case 4 -> MqttVersion.MQTT_3_1_1;
            case 5 -> MqttVersion.MQTT_5;
            default -> throw new IllegalArgumentException("-V must be 3, 4 or 5, not " + protocol);
        };
    }

    /** Total publish rate over all publishers in messages per second, 0 for as fast as possible. */
    double totalRate(int publishers) {
        if (rate > 0) {
            return rate;
        }
        if (intervalMs > 0) {
            return publishers * 1000.0 / intervalMs;
        }
        return scenario == Scenario.LATENCY ? 1000 : 0;
    }

    /** Checks option combinations a user can get wrong; the message names the option. */
    void validate() {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("-q must be 0, 1 or 2, not " + qos);
        }
        version();
        if (clients() < 1 || subscribers < 0) {
            throw new IllegalArgumentException("-c must be at least 1 and -n at least 0");
        }
        if (inflight < 1 || inflight > 65_535) {
            throw new IllegalArgumentException("--inflight must be 1..65535, not " + inflight);
        }
        if (durationS <= 0) {
            throw new IllegalArgumentException("--duration must be positive");
        }
        if (count < 0 || count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--count must be 0..2^31-1");
        }
        if (payloadSize > 256 * 1024 * 1024) {
            throw new IllegalArgumentException("-s must be under 256 MiB");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1");
        }
    }

    int publishers() {
        return switch (scenario) {
            case PUB, FANIN, LATENCY -> clients();
            case FANOUT -> 1;
            case CONN, SUB -> 0;
        };
    }

    int subscriberCount() {
        return switch (scenario) {
            case FANIN, LATENCY -> subscribers;
            case FANOUT, SUB -> clients();
            case CONN, PUB -> 0;
        };
    }

    /** How long the whole run may take before it gives up, setup and drain included. */
    double hardLimitS() {
        return connectTimeoutS + durationS + drainS + 15;
    }
}
