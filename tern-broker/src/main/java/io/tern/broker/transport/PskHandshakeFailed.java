package io.tern.broker.transport;

/**
 * User event fired by {@link PskServerHandler} when the TLS-PSK handshake fails (unknown identity, wrong key,
 * no common suite, malformed record, timeout, or the peer closing mid-handshake). The handler closes the
 * channel right after firing it.
 *
 * @param reason a line for the log, e.g. {@code "unknown PSK identity \"sensor9\""} or
 *               {@code "handshake not completed within 10 s"}
 * @param cause  the underlying exception, or null for a timeout or an early close
 */
public record PskHandshakeFailed(String reason, Throwable cause) {
}
