package io.tern.broker.config;

import java.util.List;
import java.util.Optional;

/** The checks of {@code protocol http} listeners and their options ({@code metrics_topic_prefixes}, ...). */
final class HttpListenerOptions {

    private HttpListenerOptions() {
    }

    static void metricsTopicPrefixes(BrokerConfig config, ConfigParser.Line l) throws ConfigException {
        if (l.args().isEmpty()) {
            throw l.error("missing value (one or more topic prefixes)");
        }
        if (l.args().size() > HttpOptions.MAX_TOPIC_PREFIXES) {
            throw l.error("at most " + HttpOptions.MAX_TOPIC_PREFIXES + " prefixes (each is a metric label)");
        }
        for (String p : l.args()) {
            if (p.indexOf('+') >= 0 || p.indexOf('#') >= 0) {
                throw l.error("'" + p + "' contains a wildcard character; give a plain prefix such as sensors/");
            }
        }
        config.http(config.http().withMetricsTopicPrefixes(l.args()));
        config.record(l.name(), l.at());
    }

    /** An http listener serves HTTP or HTTPS with a certificate; TLS-PSK and client certificates make no sense there. */
    static void check(ListenerConfig listener, ConfigParser.Reporter report) throws ConfigException {
        if (listener.protocol() != ListenerProtocol.HTTP) {
            return;
        }
        for (String option : List.of("psk_hint", "require_certificate", "use_identity_as_username",
                "use_subject_as_username", "mount_point")) {
            Optional<Location> at = listener.locationOf(option);
            if (at.isPresent()) {
                report.report(new ConfigException(at.get(), option + ": not available on a listener with 'protocol http'"));
            }
        }
    }

    /** http options without an http listener have no effect: a warning, as for other such options. */
    static void warnWithoutListener(BrokerConfig config, List<ListenerConfig> all) {
        if (all.stream().noneMatch(x -> x.protocol() == ListenerProtocol.HTTP)) {
            for (String option : List.of("http_admin_users", "http_metrics_public", "metrics_topic_prefixes")) {
                config.locationOf(option).ifPresent(at -> config.warn(new ConfigProblem(at, "option '" + option
                        + "' has no effect without a listener with 'protocol http'")));
            }
        }
    }
}
