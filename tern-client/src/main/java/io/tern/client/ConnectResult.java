package io.tern.client;

import io.tern.codec.Properties;

/**
 * The broker's answer to a successful CONNECT.
 *
 * @param sessionPresent   whether the broker resumed an existing session
 * @param reasonCode       0 (success)
 * @param assignedClientId the client identifier in use: the configured one, or the one the broker assigned
 * @param properties       the MQTT 5 CONNACK properties ({@link Properties#EMPTY} for 3.1 / 3.1.1)
 */
public record ConnectResult(boolean sessionPresent, int reasonCode, String assignedClientId, Properties properties) {
}
