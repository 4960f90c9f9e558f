package io.tern.client;

import io.tern.codec.MqttVersion;

/**
 * The broker refused the CONNECT. {@link #reasonCode()} is the 3.1 / 3.1.1 return code (1..5) or the MQTT 5
 * reason code (0x80 and above); the message is Mosquitto's wording for it (e.g. "Connection Refused: not
 * authorised.").
 */
public class ConnectionRefusedException extends MqttClientException {

    private static final long serialVersionUID = 1L;

    private final MqttVersion version;

    public ConnectionRefusedException(MqttVersion version, int reasonCode) {
        super(describe(version, reasonCode), reasonCode);
        this.version = version;
    }

    /** The protocol version the CONNECT used, which decides how the reason code reads. */
    public MqttVersion version() {
        return version;
    }

    /** Mosquitto's text for a CONNACK return code (3.1.1) or reason code (5.0). */
    public static String describe(MqttVersion version, int code) {
        if (version != MqttVersion.MQTT_5) {
            return switch (code) {
                case 0 -> "Connection Accepted.";
                case 1 -> "Connection Refused: unacceptable protocol version.";
                case 2 -> "Connection Refused: identifier rejected.";
                case 3 -> "Connection Refused: broker unavailable.";
                case 4 -> "Connection Refused: bad user name or password.";
                case 5 -> "Connection Refused: not authorised.";
                default -> "Connection Refused: unknown reason.";
            };
        }
        return ReasonCodes.describe(code);
    }
}
