package io.tern.client;

import java.time.Duration;

/**
 * Follows the connection's life. All methods run on the client's I/O thread and must not block; each has an
 * empty default so a listener overrides only what it needs.
 */
public interface ConnectionListener {

    /** The broker accepted a connection (the first one, or one after a reconnect). */
    default void connected(ConnectResult result) {
    }

    /** An established connection was lost (network error, keep-alive timeout, DISCONNECT from the server). */
    default void connectionLost(Throwable cause) {
    }

    /**
     * A reconnect attempt is scheduled.
     *
     * @param attempt 1 for the first attempt after a loss
     * @param delay   how long the client waits before trying
     */
    default void reconnecting(int attempt, Duration delay) {
    }

    /** The client was disconnected on request ({@link MqttClient#disconnect()}) and will not reconnect. */
    default void disconnected() {
    }
}
