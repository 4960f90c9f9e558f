package io.tern.broker;

import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.security.AclFile;
import io.tern.broker.security.Authorizer;
import io.tern.broker.security.BasicAuthenticator;
import io.tern.broker.security.PasswordFile;

import java.io.IOException;

/**
 * Who may connect on a listener and what they may do there: the authenticator and authoriser built from
 * {@code allow_anonymous}, {@code password_file}, {@code acl_file} and {@code clientid_prefixes}, and how empty
 * client ids are treated ({@code allow_zero_length_clientid}, {@code auto_id_prefix}), global or per listener as
 * {@code per_listener_settings} says. Immutable; a reload builds new ones.
 */
record ListenerSecurity(io.tern.broker.security.Authenticator authenticator, Authorizer authorizer,
                        boolean allowZeroLengthClientid, String autoIdPrefix) {

    /**
     * Loads the files a listener's security names.
     *
     * @throws IOException when a file cannot be read or has a bad line (the message names file and line)
     */
    static ListenerSecurity load(BrokerConfig config, ListenerConfig listener) throws IOException {
        return load(config, listener, java.util.List.of());
    }

    /** As {@link #load(BrokerConfig, ListenerConfig)}, then lets each provider stand in for what the files built. */
    static ListenerSecurity load(BrokerConfig config, ListenerConfig listener,
                                 java.util.List<io.tern.broker.extension.SecurityProvider> providers) throws IOException {
        io.tern.broker.config.SecurityOptions s = config.security(listener);
        PasswordFile passwords = s.passwordFile() == null ? null : PasswordFile.load(config.resolve(s.passwordFile()),
                config.strict().strictPasswordFile());
        Authorizer acl = s.aclFile() == null ? Authorizer.allowAll() : AclFile.load(config.resolve(s.aclFile()));
        io.tern.broker.security.Authenticator authenticator =
                new BasicAuthenticator(passwords, s.allowAnonymous(), config.clientidPrefixes());
        for (io.tern.broker.extension.SecurityProvider p : providers) {
            // an extension (dynamic security) stands in for the files, as Mosquitto's plugins do
            authenticator = p.authenticator(listener, authenticator);
            acl = p.authorizer(listener, acl);
        }
        return new ListenerSecurity(authenticator, acl, s.allowZeroLengthClientid(), s.autoIdPrefix());
    }

    /**
     * For in-process connections: no authentication (the operator configured them), and the ACL of
     * {@code like} (the first listener's: the global one unless per_listener_settings) for a connection that
     * names a username; none without one, as Mosquitto 2.0 applies no acl_file to its bridges.
     */
    static ListenerSecurity local(ListenerSecurity like) {
        Authorizer acl = like == null ? Authorizer.allowAll() : like.authorizer();
        Authorizer byUser = new Authorizer() {
            @Override
            public boolean canPublish(String clientId, String username, String topic) {
                return username == null || acl.canPublish(clientId, username, topic);
            }

            @Override
            public boolean canRead(String clientId, String username, String topic) {
                return username == null || acl.canRead(clientId, username, topic);
            }

            @Override
            public boolean canSubscribe(String clientId, String username, String filter) {
                return username == null || acl.canSubscribe(clientId, username, filter);
            }

            @Override
            public boolean canReadSome(String clientId, String username, String filter) {
                return username == null || acl.canReadSome(clientId, username, filter);
            }
        };
        return new ListenerSecurity(new BasicAuthenticator(null, true, null), byUser, true, "auto-");
    }
}
