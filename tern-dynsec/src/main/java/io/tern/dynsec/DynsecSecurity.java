package io.tern.dynsec;

import io.tern.broker.security.AuthResult;
import io.tern.broker.security.Authenticator;
import io.tern.broker.security.Authorizer;

/**
 * The plugin's place in a listener's security, as Mosquitto 2.0 chains it: the plugin decides first; what it
 * defers goes to the {@code password_file}/{@code acl_file} when those are configured, and is refused when they
 * are not. A client without a username that nothing decided is let in only with {@code allow_anonymous true}.
 */
final class DynsecSecurity {

    private DynsecSecurity() {
    }

    static Authenticator authenticator(DynamicSecurity dynsec, Authenticator configured, boolean passwordFile,
                                       boolean allowAnonymous, String clientIdPrefix) {
        return new Authenticator() {
            @Override
            public AuthResult authenticate(String clientId, String username, byte[] password) {
                if (clientIdPrefix != null && !clientIdPrefix.isEmpty() && !clientId.startsWith(clientIdPrefix)) {
                    return AuthResult.NOT_AUTHORISED;
                }
                switch (dynsec.snapshot().authenticate(clientId, username, password)) {
                    case ALLOW:
                        return AuthResult.ACCEPT;
                    case DENY:
                        // Mosquitto's plugin answer: CONNACK 5 / 0x87, for a wrong password too
                        return AuthResult.NOT_AUTHORISED;
                    default:
                        break;
                }
                if (username == null) {
                    return allowAnonymous ? AuthResult.ACCEPT : AuthResult.NOT_AUTHORISED;
                }
                return passwordFile ? configured.authenticate(clientId, username, password) : AuthResult.NOT_AUTHORISED;
            }

            @Override
            public boolean mayBlock() {
                return true;
            }
        };
    }

    static Authorizer authorizer(DynamicSecurity dynsec, Authorizer configured, boolean aclFile) {
        return new Authorizer() {
            @Override
            public boolean canPublish(String clientId, String username, String topic) {
                if (topic.startsWith("$SYS") && !Topics.matches("$SYS/broker/connection/+/state", topic)) {
                    return false; // only the broker writes $SYS
                }
                return decide(dynsec.snapshot().canPublish(username, topic),
                        () -> configured.canPublish(clientId, username, topic));
            }

            @Override
            public boolean canRead(String clientId, String username, String topic) {
                return decide(dynsec.snapshot().canReceive(username, topic),
                        () -> configured.canRead(clientId, username, topic));
            }

            @Override
            public boolean canSubscribe(String clientId, String username, String filter) {
                return decide(dynsec.snapshot().canSubscribe(username, filter),
                        () -> configured.canSubscribe(clientId, username, filter));
            }

            @Override
            public boolean canReadSome(String clientId, String username, String filter) {
                return !aclFile || configured.canReadSome(clientId, username, filter);
            }

            @Override
            public boolean canUnsubscribe(String clientId, String username, String filter) {
                return decide(dynsec.snapshot().canUnsubscribe(username, filter),
                        () -> configured.canUnsubscribe(clientId, username, filter));
            }

            private boolean decide(Snapshot.Verdict v, java.util.function.BooleanSupplier next) {
                return switch (v) {
                    case ALLOW -> true;
                    case DENY -> false;
                    case DEFER -> aclFile && next.getAsBoolean();
                };
            }
        };
    }
}
