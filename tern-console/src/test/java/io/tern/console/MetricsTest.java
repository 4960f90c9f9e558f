package io.tern.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /metrics} read by a real Prometheus text-format parser (parse-prometheus-text-format from npm, run by
 * node) and checked against the traffic the test sent.
 */
class MetricsTest {

    @TempDir
    Path dir;

    @Test
    void metricsMatchTheTrafficSentAndParseAsPrometheusText() throws Exception {
        Path node = Node.assume("parse-prometheus-text-format");
        try (ConsoleFixture f = new ConsoleFixture(dir, "metrics_topic_prefixes sensors/ cmd/")) {
            HttpResponse<String> closed = f.call("GET", "/metrics", null, null);
            assertThat(closed.statusCode()).as("metrics need credentials by default").isEqualTo(401);

            MqttClient sub = f.paho("metrics-sub", true);
            CountDownLatch all = new CountDownLatch(7);
            sub.setCallback(AdminApiTest.callback(null, new LinkedBlockingQueue<>() {
                @Override
                public boolean add(String s) {
                    all.countDown();
                    return super.add(s);
                }
            }));
            sub.subscribe("sensors/#", 1);
            sub.subscribe("cmd/#", 0);
            MqttClient pub = f.paho("metrics-pub", true);
            for (int i = 0; i < 4; i++) {
                pub.publish("sensors/t" + i, "12345".getBytes(StandardCharsets.UTF_8), 1, false);
            }
            for (int i = 0; i < 2; i++) {
                pub.publish("cmd/c" + i, "ab".getBytes(StandardCharsets.UTF_8), 0, false);
            }
            pub.publish("cmd/q2", "xyz".getBytes(StandardCharsets.UTF_8), 2, true);
            pub.publish("nobody/listens", "n".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<String, Double> m = parse(node, f.admin("GET", "/metrics", null));
                assertThat(m).containsEntry("tern_messages_received_total{qos=1}", 5.0)
                        .containsEntry("tern_messages_received_total{qos=0}", 2.0)
                        .containsEntry("tern_messages_received_total{qos=2}", 1.0)
                        .containsEntry("tern_publish_received_bytes_total{qos=1}", 21.0)
                        .containsEntry("tern_messages_sent_total{qos=1}", 4.0)
                        .containsEntry("tern_messages_sent_total{qos=0}", 3.0)
                        .containsEntry("tern_messages_unrouted_total", 1.0)
                        .containsEntry("tern_messages_acknowledged_total", 4.0)
                        .containsEntry("tern_topic_messages_received_total{prefix=sensors/}", 4.0)
                        .containsEntry("tern_topic_messages_received_total{prefix=cmd/}", 3.0)
                        .containsEntry("tern_topic_received_bytes_total{prefix=sensors/}", 20.0)
                        .containsEntry("tern_clients_connected", 2.0)
                        .containsEntry("tern_sessions{state=online}", 2.0)
                        .containsEntry("tern_subscriptions", 2.0)
                        .containsEntry("tern_retained_messages", retainedNow(f))
                        .containsEntry("tern_messages_dropped_total{reason=queue_full}", 0.0)
                        .containsEntry("tern_clients_connected_by_listener{listener=" + f.mqttPort
                                + ",protocol_version=3.1.1,transport=mqtt}", 2.0);
                assertThat(m.get("tern_connections_total")).isGreaterThanOrEqualTo(2.0);
                assertThat(m).containsEntry("tern_connections_by_listener_total{listener=" + f.mqttPort
                        + ",protocol_version=3.1.1,transport=mqtt}", 2.0);
                assertThat(m.get("tern_received_bytes_total")).isPositive();
                assertThat(m.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"));
            });
            sub.disconnect();
            pub.disconnect();
            sub.close();
            pub.close();
        }
    }

    @Test
    void metricsMayBePublic() throws Exception {
        Path node = Node.assume("parse-prometheus-text-format");
        try (ConsoleFixture f = new ConsoleFixture(dir, "http_metrics_public true")) {
            HttpResponse<String> r = f.call("GET", "/metrics", null, null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(parse(node, r)).containsKey("tern_uptime_seconds");
            assertThat(f.call("GET", "/api/v1/broker", null, null).statusCode()).as("the API is still closed").isEqualTo(401);
        }
    }

    @Test
    void withPersistenceTheStoreSizeAndSyncLatencyAreReported() throws Exception {
        Path node = Node.assume("parse-prometheus-text-format");
        try (ConsoleFixture f = new ConsoleFixture(dir, "persistence true\npersistence_location " + dir.resolve("store"))) {
            MqttClient pub = f.paho("store-pub", true);
            pub.publish("stored/a", "kept".getBytes(StandardCharsets.UTF_8), 1, true);
            pub.disconnect();
            pub.close();
            Map<String, Double> m = parse(node, f.admin("GET", "/metrics", null));
            assertThat(m.get("tern_store_size_bytes")).isPositive();
            assertThat(m.get("tern_store_sync_latency_seconds")).isNotNegative();
        }
    }

    private static double retainedNow(ConsoleFixture f) throws Exception {
        return new ObjectMapper().readTree(f.admin("GET", "/api/v1/broker", null).body()).get("retained").asDouble();
    }

    /** Runs the npm parser; returns "name{label=value,...}" (labels sorted) to value. */
    static Map<String, Double> parse(Path node, HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).isEqualTo(200);
        Process p = new ProcessBuilder(node.toString(), Node.E2E.resolve("prometheus-parse.js").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().write(r.body().getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("the parser accepted the exposition").isZero();
        Map<String, Double> values = new HashMap<>();
        for (JsonNode family : new ObjectMapper().readTree(out)) {
            for (JsonNode sample : family.get("metrics")) {
                StringBuilder key = new StringBuilder(family.get("name").asText());
                JsonNode labels = sample.get("labels");
                if (labels != null && labels.size() > 0) {
                    java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
                    labels.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
                    key.append('{');
                    sorted.forEach((k, v) -> key.append(k).append('=').append(v).append(','));
                    key.setLength(key.length() - 1);
                    key.append('}');
                }
                if (sample.has("value")) {
                    values.put(key.toString(), Double.parseDouble(sample.get("value").asText()));
                }
            }
        }
        return values;
    }
}
