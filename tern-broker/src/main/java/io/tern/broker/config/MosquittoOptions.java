package io.tern.broker.config;

import java.util.Set;

/**
 * Options Mosquitto 2.0 knows that Tern does not implement yet. Each one stops parsing with
 * {@code FILE:LINE: option 'X' is not supported yet} rather than being ignored, so nobody runs a broker that
 * silently lacks a bridge or an auth plugin they configured.
 *
 * <p>The list is mosquitto.conf(5) for 2.0 plus what Mosquitto 2.0.11's config reader accepts (checked
 * against the Debian build: it knows {@code maximum_qos} and {@code retained_persistence} as aliases, which
 * Tern supports, and rejects e.g. {@code max_topic_alias_broker}, {@code bridge_ciphers} and
 * {@code global_plugin} as unknown, which Tern does too).
 */
final class MosquittoOptions {

    private MosquittoOptions() {
    }

    /** Known to Mosquitto 2.0, not implemented by Tern yet. */
    static final Set<String> NOT_SUPPORTED = Set.of(
            // broker-wide
            "allow_duplicate_messages", "auth_plugin", "plugin", "auth_plugin_deny_special_chars",
            "log_facility", "memory_limit",
            "websockets_log_level", "websockets_headers_size",
            // listener
            "bind_interface", "http_dir", "use_username_as_clientid",
            "dhparamfile", "tls_engine", "tls_engine_kpass_sha1", "tls_keyform",
            // bridges
            "connection", "address", "addresses", "topic",
            "bridge_attempt_unsubscribe", "bridge_bind_address", "bridge_cafile", "bridge_capath",
            "bridge_certfile", "bridge_identity", "bridge_insecure", "bridge_keyfile", "bridge_max_packet_size",
            "bridge_outgoing_retain", "bridge_protocol_version", "bridge_psk", "bridge_require_ocsp",
            "bridge_tls_version", "bridge_alpn", "cleansession", "local_cleansession", "keepalive_interval",
            "idle_timeout", "local_clientid", "local_password", "local_username", "notifications",
            "notifications_local_only", "notification_topic", "remote_clientid", "clientid", "remote_password",
            "password", "remote_username", "username", "restart_timeout", "round_robin", "start_type",
            "threshold", "try_private");

    /** Families of plugin options ({@code auth_opt_NAME}, {@code plugin_opt_NAME}). */
    static final Set<String> NOT_SUPPORTED_PREFIXES = Set.of("auth_opt_", "plugin_opt_");

    /** Accepted by Mosquitto 2.0 with a warning and no effect. */
    static final Set<String> NO_LONGER_AVAILABLE = Set.of("retry_interval");

    static boolean notSupported(String option) {
        if (NOT_SUPPORTED.contains(option)) {
            return true;
        }
        for (String prefix : NOT_SUPPORTED_PREFIXES) {
            if (option.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
