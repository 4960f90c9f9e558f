package io.tern.broker.security;

/** The outcome of authenticating a CONNECT; the broker turns it into the CONNACK code for the client's protocol. */
public enum AuthResult {
    /** Connection accepted. */
    ACCEPT,
    /**
     * Bad username or password: CONNACK 4 (MQTT 3.1/3.1.1) or 0x86 (MQTT 5). Not produced by
     * {@link BasicAuthenticator}, because Mosquitto 2.0 answers bad credentials with "not authorised";
     * kept for authenticators (e.g. MQTT 5 enhanced auth) that want the distinct code.
     */
    BAD_USERNAME_OR_PASSWORD,
    /** Not authorised: CONNACK 5 (MQTT 3.1/3.1.1) or 0x87 (MQTT 5). */
    NOT_AUTHORISED
}
