package io.tern.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a run: what was sent and received, how fast, what went missing, and what the bench
 * itself cost in CPU (so a reader can tell whether the bench was the bottleneck).
 *
 * @param scenario        scenario id
 * @param params          the effective parameters, for the record
 * @param publishers      publishing connections
 * @param subscribers     subscribing connections
 * @param connected       connections set up
 * @param connectFailed   connections that could not be set up
 * @param connectSeconds  time to set up all connections
 * @param seconds         publishing time (conn: holding time)
 * @param sent            PUBLISH packets sent
 * @param acked           QoS 1/2 publishes acknowledged with success
 * @param received        PUBLISH packets received, duplicates included
 * @param unique          distinct messages received (over all subscribers)
 * @param expected        messages the subscribers were owed (accepted by the broker times subscribers)
 * @param sendRate        sent per second of publishing time
 * @param receiveSeconds  from the first PUBLISH written to the last message received
 * @param receiveRate     unique messages received per second of {@code receiveSeconds}
 * @param lost            owed but never received
 * @param duplicates      received more than once
 * @param outOfOrder      received after a later message of the same publisher
 * @param foreign         received but not from this run (or without a tern-bench stamp)
 * @param droppedByBroker connections the broker closed during the run
 * @param latency         end-to-end latency in microseconds: count, mean, p50, p90, p99, p99.9, max
 * @param benchCpuSeconds CPU time the bench process used during the run
 * @param errors          the first few problems, and how many there were in all
 */
public record BenchResult(String scenario, Map<String, Object> params, int publishers, int subscribers,
                          long connected, long connectFailed, double connectSeconds, double seconds,
                          long sent, long acked, long received, long unique, long expected, double sendRate,
                          double receiveSeconds, double receiveRate, long lost, long duplicates, long outOfOrder, long foreign,
                          long droppedByBroker, Map<String, Double> latency, double benchCpuSeconds,
                          double wallSeconds, List<String> errors, int errorCount) {

    /** Messages per second: the receive rate when anybody received, else the send rate. */
    public double msgsPerSecond() {
        return subscribers > 0 ? receiveRate : sendRate;
    }

    /** One JSON object, for scripts. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("params", params);
        m.put("publishers", publishers);
        m.put("subscribers", subscribers);
        m.put("connected", connected);
        m.put("connect_failed", connectFailed);
        m.put("connect_s", connectSeconds);
        m.put("connect_rate", connectSeconds > 0 ? connected / connectSeconds : 0.0);
        m.put("duration_s", seconds);
        m.put("sent", sent);
        m.put("acked", acked);
        m.put("received", received);
        m.put("unique", unique);
        m.put("expected", expected);
        m.put("send_rate", sendRate);
        m.put("recv_s", receiveSeconds);
        m.put("recv_rate", receiveRate);
        m.put("msgs_per_s", msgsPerSecond());
        m.put("lost", lost);
        m.put("dup", duplicates);
        m.put("out_of_order", outOfOrder);
        m.put("foreign", foreign);
        m.put("dropped_connections", droppedByBroker);
        m.put("latency_us", latency);
        m.put("bench_cpu_s", benchCpuSeconds);
        m.put("wall_s", wallSeconds);
        m.put("error_count", errorCount);
        m.put("errors", errors);
        StringBuilder sb = new StringBuilder();
        json(sb, m);
        return sb.toString();
    }

    /** A few lines for a person. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "scenario %s: %d publishers, %d subscribers, %d connected (%d failed) in %.2f s%n",
                scenario, publishers, subscribers, connected, connectFailed, connectSeconds));
        if (scenario.equals("conn")) {
            sb.append(String.format(Locale.ROOT, "connect rate %.0f conn/s, held %.1f s, %d closed by the broker%n",
                    connectSeconds > 0 ? connected / connectSeconds : 0.0, seconds, droppedByBroker));
        } else {
            sb.append(String.format(Locale.ROOT, "sent %d (%.0f msg/s, %d acked) in %.2f s; received %d, %d unique "
                    + "(%.0f msg/s from first publish to last receipt, %.3f s)%n",
                    sent, sendRate, acked, seconds, received, unique, receiveRate, receiveSeconds));
            sb.append(String.format(Locale.ROOT, "expected %d lost %d duplicated %d out of order %d foreign %d%n",
                    expected, lost, duplicates, outOfOrder, foreign));
            if (latency.get("count") > 0) {
                sb.append(String.format(Locale.ROOT,
                        "latency us: p50 %.0f p90 %.0f p99 %.0f p99.9 %.0f max %.0f mean %.0f%n",
                        latency.get("p50"), latency.get("p90"), latency.get("p99"), latency.get("p99.9"),
                        latency.get("max"), latency.get("mean")));
            }
        }
        sb.append(String.format(Locale.ROOT, "bench CPU %.2f s over %.2f s wall (%.0f%% of one core)%n",
                benchCpuSeconds, wallSeconds, wallSeconds > 0 ? 100 * benchCpuSeconds / wallSeconds : 0.0));
        if (errorCount > 0) {
            sb.append(errorCount).append(" problem(s), first ones:").append(System.lineSeparator());
            for (String e : errors) {
                sb.append("  ").append(e).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }

    private static void json(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Map<?, ?> map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, String.valueOf(e.getKey()));
                sb.append(':');
                json(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                json(sb, list.get(i));
            }
            sb.append(']');
        } else if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                sb.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                sb.append(d.longValue());
            } else {
                sb.append(String.format(Locale.ROOT, "%.3f", d));
            }
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else {
            string(sb, v.toString());
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
