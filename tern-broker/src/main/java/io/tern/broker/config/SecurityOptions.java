package io.tern.broker.config;

/**
 * The authentication and access settings that apply to one listener, after {@code per_listener_settings}
 * has chosen between the listener's own and the global ones. Obtain with
 * {@link BrokerConfig#security(ListenerConfig)}.
 *
 * @param allowAnonymous          whether clients without a username may connect
 * @param passwordFile            password file as written (relative to the working directory), or null
 * @param aclFile                 ACL file as written, or null
 * @param pskFile                 PSK file as written, or null
 * @param allowZeroLengthClientid whether the broker assigns ids to clients that send an empty one
 * @param autoIdPrefix            prefix of assigned client ids
 */
public record SecurityOptions(
        boolean allowAnonymous,
        String passwordFile,
        String aclFile,
        String pskFile,
        boolean allowZeroLengthClientid,
        String autoIdPrefix) {
}
