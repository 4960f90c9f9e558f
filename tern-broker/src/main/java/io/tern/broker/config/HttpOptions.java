package io.tern.broker.config;

import java.util.List;
import java.util.Objects;

/**
 * What the {@code protocol http} listeners (web console, REST admin API, Prometheus metrics) are told by the
 * configuration besides the listener lines themselves. Tern's own options, in Mosquitto's style:
 *
 * <pre>
 * http_admin_users alice bob           # users of the listener's password_file allowed in
 * http_metrics_public true             # /metrics without credentials (default false)
 * metrics_topic_prefixes sensors/ cmd/ # per-prefix message counters (bounded cardinality)
 * </pre>
 *
 * Immutable; {@link BrokerConfig#http()} holds the one in force.
 *
 * @param adminUsers          users of the listener's password file who may use the console and the API
 * @param metricsPublic       whether {@code /metrics} answers without credentials
 * @param metricsTopicPrefixes topic prefixes that get their own message and byte counters
 */
public record HttpOptions(List<String> adminUsers, boolean metricsPublic, List<String> metricsTopicPrefixes) {

    /** At most this many {@code metrics_topic_prefixes}: each is a label value, so they must stay few. */
    public static final int MAX_TOPIC_PREFIXES = 100;

    /** Nothing configured: no admin users, metrics behind credentials, no per-prefix counters. */
    public static final HttpOptions DEFAULT = new HttpOptions(List.of(), false, List.of());

    public HttpOptions {
        adminUsers = List.copyOf(Objects.requireNonNull(adminUsers, "adminUsers"));
        metricsTopicPrefixes = List.copyOf(Objects.requireNonNull(metricsTopicPrefixes, "metricsTopicPrefixes"));
    }

    public HttpOptions withAdminUsers(List<String> users) {
        return new HttpOptions(users, metricsPublic, metricsTopicPrefixes);
    }

    public HttpOptions withMetricsPublic(boolean open) {
        return new HttpOptions(adminUsers, open, metricsTopicPrefixes);
    }

    public HttpOptions withMetricsTopicPrefixes(List<String> prefixes) {
        return new HttpOptions(adminUsers, metricsPublic, prefixes);
    }
}
