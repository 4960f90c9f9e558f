package io.tern.broker.admin;

/**
 * A snapshot of one session (and its connection, when connected) for the admin API.
 *
 * @param clientId        the client id
 * @param username        the username of the latest connection, or null
 * @param connected       whether a connection is bound now
 * @param address         "host:port" of the peer when connected, else null
 * @param protocolVersion "3.1", "3.1.1" or "5.0"
 * @param listenerPort    the configured port of the listener of the latest connection, or null
 * @param listenerProtocol "mqtt" or "websockets", or null
 * @param connectedSince  epoch milliseconds when the current connection was bound, or null when offline
 * @param keepAlive       the keep-alive in force, seconds
 * @param subscriptions   how many subscriptions the session holds
 * @param queued          messages waiting to be sent (memory queue, or durable backlog)
 * @param inflight        QoS 1/2 messages sent and not yet acknowledged
 * @param bytesIn         bytes received on the current connection
 * @param bytesOut        bytes sent on the current connection
 * @param expirySeconds   session expiry: 0 ends with the connection, -1 never
 * @param durable         whether the session is in the persistent store
 */
public record ClientInfo(String clientId, String username, boolean connected, String address,
                         String protocolVersion, Integer listenerPort, String listenerProtocol, Long connectedSince,
                         int keepAlive, int subscriptions, long queued, int inflight, long bytesIn, long bytesOut,
                         long expirySeconds, boolean durable) {
}
