package io.tern.broker.security;

/**
 * Decides whether a CONNECT may proceed. The hook the broker core calls once per CONNECT, after it has
 * assigned a client identifier to a client that sent an empty one; MQTT 5 enhanced authentication (AUTH
 * packets) will get its own hook beside this one.
 *
 * <p>May block and burn CPU (password hashing): the broker must call it off its event loops, e.g. on a
 * small bounded executor. Implementations are thread-safe and immutable; to reload (SIGHUP) the broker
 * builds a new one and swaps it in, e.g. through an {@code AtomicReference<Authenticator>}.
 */
public interface Authenticator {

    /**
     * @param clientId the effective client identifier (never null)
     * @param username the CONNECT username, or null when the client sent none
     * @param password the CONNECT password bytes, or null when the client sent none
     */
    AuthResult authenticate(String clientId, String username, byte[] password);

    /** Whether {@link #authenticate} may block (hash a password), so the broker runs it off its event loops. */
    default boolean mayBlock() {
        return true;
    }
}
