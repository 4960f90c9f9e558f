package io.tern.broker.transport;

import java.util.Map;

/**
 * The pre-shared-key TLS options of one Mosquitto listener.
 *
 * @param hint       {@code psk_hint}: sent to TLS 1.2 clients in ServerKeyExchange (TLS 1.3 has no hint); required
 *                   by Mosquitto to enable PSK on a listener
 * @param keys       identity to key bytes, usually {@link PskFile#load(java.nio.file.Path)} of {@code psk_file};
 *                   read once per handshake, so the broker may pass a map it replaces on reload
 * @param tlsVersion {@code tls_version}: minimum version, {@code tlsv1.3}, {@code tlsv1.2} or {@code tlsv1.1};
 *                   null for TLS 1.2 and 1.3
 */
public record PskSettings(String hint, Map<String, byte[]> keys, String tlsVersion) {

    /**
     * @param hint {@code psk_hint}
     * @param keys identity to key bytes
     * @return settings allowing TLS 1.2 and 1.3
     */
    public static PskSettings of(String hint, Map<String, byte[]> keys) {
        return new PskSettings(hint, keys, null);
    }
}
