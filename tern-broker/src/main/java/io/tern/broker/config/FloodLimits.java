package io.tern.broker.config;

/**
 * Tern's limits against floods, in Mosquitto's style (broker-wide options, 0 = off, the default):
 *
 * @param maxConnectionsPerAddress {@code max_connections_per_address}: connections open at once from one source
 *                                 address, over all listeners
 * @param connectionRateLimit      {@code connection_rate_limit}: new connections accepted per second from one
 *                                 source address, checked before any TLS handshake
 * @param publishRateLimit         {@code publish_rate_limit}: PUBLISH packets read per second from one client;
 *                                 beyond it the client is not read from until its average is back in bounds
 * @param publishBytesLimit        {@code publish_bytes_limit}: PUBLISH bytes (whole packets) per second from one
 *                                 client, paused the same way
 */
public record FloodLimits(long maxConnectionsPerAddress, long connectionRateLimit, long publishRateLimit,
                          long publishBytesLimit) {

    /** Every limit off. */
    public static final FloodLimits NONE = new FloodLimits(0, 0, 0, 0);

    /** Whether a per-client publish limit is set. */
    public boolean limitsPublishing() {
        return publishRateLimit > 0 || publishBytesLimit > 0;
    }

    /** Whether a per-address connection limit is set. */
    public boolean limitsConnections() {
        return maxConnectionsPerAddress > 0 || connectionRateLimit > 0;
    }

    /** This with the option {@code name} set to {@code value}. */
    public FloodLimits with(String name, long value) {
        return switch (name) {
            case "max_connections_per_address" -> new FloodLimits(value, connectionRateLimit, publishRateLimit,
                    publishBytesLimit);
            case "connection_rate_limit" -> new FloodLimits(maxConnectionsPerAddress, value, publishRateLimit,
                    publishBytesLimit);
            case "publish_rate_limit" -> new FloodLimits(maxConnectionsPerAddress, connectionRateLimit, value,
                    publishBytesLimit);
            case "publish_bytes_limit" -> new FloodLimits(maxConnectionsPerAddress, connectionRateLimit,
                    publishRateLimit, value);
            default -> throw new IllegalArgumentException("not a flood limit: " + name);
        };
    }
}
