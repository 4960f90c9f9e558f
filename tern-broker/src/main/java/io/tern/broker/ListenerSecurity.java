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
record ListenerSecurity(BasicAuthenticator authenticator, Authorizer authorizer, boolean allowZeroLengthClientid,
                        String autoIdPrefix) {

    /**
     * Loads the files a listener's security names.
     *
     * @throws IOException when a file cannot be read or has a bad line (the message names file and line)
     */
    static ListenerSecurity load(BrokerConfig config, ListenerConfig listener) throws IOException {
        io.tern.broker.config.SecurityOptions s = config.security(listener);
        PasswordFile passwords = s.passwordFile() == null ? null : PasswordFile.load(config.resolve(s.passwordFile()),
                config.strict().strictPasswordFile());
        Authorizer acl = s.aclFile() == null ? Authorizer.allowAll() : AclFile.load(config.resolve(s.aclFile()));
        return new ListenerSecurity(new BasicAuthenticator(passwords, s.allowAnonymous(), config.clientidPrefixes()),
                acl, s.allowZeroLengthClientid(), s.autoIdPrefix());
    }
}
