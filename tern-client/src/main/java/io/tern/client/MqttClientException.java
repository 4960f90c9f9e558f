package io.tern.client;

/**
 * A failed client operation: the connection was lost or closed before the operation completed, the offline
 * buffer was full, or the broker answered with a failure reason code ({@link #reasonCode()}, -1 when the failure
 * did not come from the broker).
 */
public class MqttClientException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int reasonCode;

    public MqttClientException(String message) {
        this(message, -1, null);
    }

    public MqttClientException(String message, Throwable cause) {
        this(message, -1, cause);
    }

    public MqttClientException(String message, int reasonCode) {
        this(message, reasonCode, null);
    }

    public MqttClientException(String message, int reasonCode, Throwable cause) {
        super(message, cause);
        this.reasonCode = reasonCode;
    }

    /** The broker's reason code, or -1. */
    public int reasonCode() {
        return reasonCode;
    }
}
