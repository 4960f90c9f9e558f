package io.tern.broker.extension;

import io.tern.broker.config.ListenerConfig;
import io.tern.broker.security.Authenticator;
import io.tern.broker.security.Authorizer;

/**
 * Lets an extension decide who may connect to a listener and what they may do there, in place of (or around)
 * what {@code allow_anonymous}, {@code password_file}, {@code acl_file} and {@code clientid_prefixes} built, as a
 * Mosquitto security plugin does. Register it with {@link io.tern.broker.Broker#securityProvider} from
 * {@link BrokerExtension#prepare}, before the listeners accept clients. The broker asks again on every reload.
 */
public interface SecurityProvider {

    /**
     * @param listener   the listener (as the broker opened it)
     * @param configured the authenticator built from the configuration files
     * @return the authenticator to use; {@code configured} to keep it
     */
    default Authenticator authenticator(ListenerConfig listener, Authenticator configured) {
        return configured;
    }

    /**
     * @param listener   the listener (as the broker opened it)
     * @param configured the authoriser built from the configuration files
     * @return the authoriser to use; {@code configured} to keep it
     */
    default Authorizer authorizer(ListenerConfig listener, Authorizer configured) {
        return configured;
    }
}
