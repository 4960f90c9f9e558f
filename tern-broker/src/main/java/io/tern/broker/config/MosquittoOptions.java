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
            "allow_duplicate_messages", "auth_plugin_deny_special_chars",
            "log_facility", "memory_limit",
            "websockets_log_level", "websockets_headers_size",
            // listener
            "bind_interface", "http_dir", "use_username_as_clientid",
            "dhparamfile", "tls_engine", "tls_engine_kpass_sha1", "tls_keyform",
            // bridges (the other bridge options are read by BridgeOptions)
            "bridge_require_ocsp");

    /** Families of options not implemented yet (plugin options are parsed by {@code ConfigParser}). */
    static final Set<String> NOT_SUPPORTED_PREFIXES = Set.of();

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
