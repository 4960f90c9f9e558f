package io.tern.broker.transport;

/**
 * A listener's TLS, PSK or WebSocket settings cannot be used: a file is missing or unreadable, a value is
 * malformed, or the settings contradict each other. The message names the mosquitto.conf option and, where
 * there is one, the file and line, so the broker can print it at start-up as it is.
 */
public class TransportConfigException extends IllegalArgumentException {

    /** @param message what was wrong and where (option name, path, line) */
    public TransportConfigException(String message) {
        super(message);
    }

    /**
     * @param message what was wrong and where (option name, path, line)
     * @param cause   the underlying I/O or parsing failure
     */
    public TransportConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
