package io.tern.broker.security;

import java.util.Objects;

/**
 * Mosquitto 2.0's built-in authentication: {@code clientid_prefixes}, {@code allow_anonymous} and
 * {@code password_file}, decided here (the caller needs no anonymous logic of its own). Behaviour,
 * checked against Mosquitto 2.0.11:
 *
 * <ol>
 *   <li>With a client id prefix configured, a client id not starting with it is refused.
 *   <li>A client without a username is accepted only when anonymous access is allowed.
 *   <li>With no password file, a client with a username is treated like an anonymous one: accepted only
 *       when anonymous access is allowed.
 *   <li>With a password file, a client with a username must send the right password, even when anonymous
 *       access is allowed.
 * </ol>
 *
 * Every refusal is {@link AuthResult#NOT_AUTHORISED}, as Mosquitto 2.0 answers (CONNACK 5 / 0x87),
 * including wrong passwords and unknown users. Immutable and thread-safe; blocking (see {@link PasswordFile#check}).
 */
public final class BasicAuthenticator implements Authenticator {
    private final PasswordFile passwords;
    private final boolean allowAnonymous;
    private final String clientIdPrefix;

    /**
     * @param passwords      the loaded {@code password_file}, or null when none is configured
     * @param allowAnonymous {@code allow_anonymous} (Mosquitto 2.0 defaults it to false when any listener is configured)
     * @param clientIdPrefix {@code clientid_prefixes}, or null (or empty) when not configured
     */
    public BasicAuthenticator(PasswordFile passwords, boolean allowAnonymous, String clientIdPrefix) {
        this.passwords = passwords;
        this.allowAnonymous = allowAnonymous;
        this.clientIdPrefix = clientIdPrefix == null || clientIdPrefix.isEmpty() ? null : clientIdPrefix;
    }

    @Override
    public AuthResult authenticate(String clientId, String username, byte[] password) {
        Objects.requireNonNull(clientId, "clientId");
        if (clientIdPrefix != null && !clientId.startsWith(clientIdPrefix)) {
            return AuthResult.NOT_AUTHORISED;
        }
        if (username == null || passwords == null) {
            return allowAnonymous ? AuthResult.ACCEPT : AuthResult.NOT_AUTHORISED;
        }
        if (password == null || password.length == 0) {
            // refusing at once reveals nothing about whether the username exists; an empty password is no
            // password, as Mosquitto reads it, so a hash of "" in the file never lets anyone in
            return AuthResult.BAD_USERNAME_OR_PASSWORD;
        }
        // the broker answers 5 / 0x87 for this, or 4 / 0x86 with report_bad_credentials
        return passwords.check(username, password) ? AuthResult.ACCEPT : AuthResult.BAD_USERNAME_OR_PASSWORD;
    }

    /** True when authenticating can hash a password, i.e. the broker should run it off the event loop. */
    @Override
    public boolean mayBlock() {
        return passwords != null;
    }

    @Override
    public String toString() {
        return "BasicAuthenticator[passwords=" + passwords + ", allowAnonymous=" + allowAnonymous
                + ", clientIdPrefix=" + clientIdPrefix + "]";
    }
}
