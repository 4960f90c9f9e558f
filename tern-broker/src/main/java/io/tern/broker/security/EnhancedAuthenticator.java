package io.tern.broker.security;

/**
 * MQTT 5 enhanced authentication (section 4.12): a challenge/response exchange of AUTH packets under a named
 * method (SCRAM, Kerberos, a token scheme, ...). An embedding application registers one with
 * {@code Broker.builder().enhancedAuthenticator(...)}; a client asking for any other method gets CONNACK 0x8C.
 *
 * <p>Called on the connection's event loop: implementations must not block. Per-connection progress lives in
 * the {@link Step#state()} object the broker hands back on the next step.
 */
public interface EnhancedAuthenticator {

    /** The Authentication Method this authenticator speaks, as clients name it. */
    String method();

    /**
     * First step, from CONNECT (or from an AUTH 0x19 re-authentication).
     *
     * @param clientId the client identifier
     * @param username the CONNECT user name, or null
     * @param data     the client's Authentication Data, or null
     */
    Step start(String clientId, String username, byte[] data);

    /** A following step: the client answered a challenge with AUTH (0x18) and this data. */
    Step next(Object state, byte[] data);

    /** What to do after a step. */
    enum Outcome {
        /** Authenticated: CONNACK 0 (or AUTH 0 after re-authentication), with {@link Step#data()} if any. */
        SUCCESS,
        /** Send AUTH 0x18 with {@link Step#data()} as the challenge and wait for the client's answer. */
        CONTINUE,
        /** Refused: CONNACK 0x87 (or DISCONNECT 0x87 after re-authentication). */
        FAILURE
    }

    /**
     * One step's result.
     *
     * @param outcome what happens next
     * @param data    Authentication Data to send, or null
     * @param state   per-connection progress handed to the next {@link #next} call
     */
    record Step(Outcome outcome, byte[] data, Object state) {

        public static Step success(byte[] data) {
            return new Step(Outcome.SUCCESS, data, null);
        }

        public static Step challenge(byte[] data, Object state) {
            return new Step(Outcome.CONTINUE, data, state);
        }

        public static Step failure() {
            return new Step(Outcome.FAILURE, null, null);
        }
    }
}
