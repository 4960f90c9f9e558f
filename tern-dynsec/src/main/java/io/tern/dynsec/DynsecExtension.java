package io.tern.dynsec;

import io.tern.broker.Broker;
import io.tern.broker.Log;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.config.PluginConfig;
import io.tern.broker.config.SecurityOptions;
import io.tern.broker.extension.BrokerExtension;
import io.tern.broker.extension.SecurityProvider;
import io.tern.broker.security.Authenticator;
import io.tern.broker.security.Authorizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mosquitto's dynamic-security plugin, built in: enabled by {@code plugin .../mosquitto_dynamic_security.so} (or
 * {@code plugin dynamic-security}) with {@code plugin_opt_config_file FILE}, globally or per listener as
 * {@code per_listener_settings} says. Each configuration file is one {@link DynamicSecurity}; it authenticates
 * and authorises the clients of the listeners it applies to and answers {@code $CONTROL/dynamic-security/v1}
 * requests from them on {@code $CONTROL/dynamic-security/v1/response}.
 */
public final class DynsecExtension implements BrokerExtension {

    private final Map<Path, DynamicSecurity> instances = new LinkedHashMap<>();
    private BrokerConfig config;

    @Override
    public String name() {
        return PluginConfig.DYNAMIC_SECURITY;
    }

    @Override
    public boolean enabledBy(BrokerConfig config) {
        return !plugins(config).isEmpty();
    }

    /** Every dynamic-security plugin line, global and per listener. */
    private static List<PluginConfig> plugins(BrokerConfig config) {
        List<PluginConfig> all = new ArrayList<>(config.plugins());
        config.listeners().forEach(l -> all.addAll(l.plugins()));
        all.addAll(config.defaultListener().plugins());
        return all.stream().filter(PluginConfig::isDynamicSecurity).toList();
    }

    @Override
    public void check(BrokerConfig config) throws IOException {
        for (PluginConfig p : plugins(config)) {
            iterations(p);
            try {
                ModelFile.load(config.resolve(p.option("config_file")));
            } catch (IOException e) {
                throw new IOException(p.location() + ": plugin_opt_config_file: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void prepare(Broker broker) throws IOException {
        config = broker.config();
        for (PluginConfig p : plugins(config)) {
            Path file = config.resolve(p.option("config_file"));
            if (!instances.containsKey(file)) {
                int iterations = iterations(p);
                try {
                    instances.put(file, DynamicSecurity.open(file, iterations, usernames -> usernames.forEach(u ->
                            broker.disconnectClients((id, user) -> Objects.equals(user, u.orElse(null))))));
                } catch (IOException e) {
                    close();
                    throw new IOException(p.location() + ": plugin_opt_config_file: " + e.getMessage(), e);
                }
            }
        }
        broker.securityProvider(new SecurityProvider() {
            @Override
            public Authenticator authenticator(ListenerConfig listener, Authenticator configured) {
                DynamicSecurity d = instanceFor(listener);
                if (d == null) {
                    return configured;
                }
                SecurityOptions s = config.security(listener);
                return DynsecSecurity.authenticator(d, configured, s.passwordFile() != null, s.allowAnonymous(),
                        config.clientidPrefixes());
            }

            @Override
            public Authorizer authorizer(ListenerConfig listener, Authorizer configured) {
                DynamicSecurity d = instanceFor(listener);
                return d == null ? configured
                        : DynsecSecurity.authorizer(d, configured, config.security(listener).aclFile() != null);
            }
        });
        broker.controlHandler(DynamicSecurity.TOPIC, (listener, clientId, username, payload) -> {
            DynamicSecurity d = instanceFor(listener);
            if (d == null) {
                return; // no plugin on this listener: dropped, as in Mosquitto
            }
            java.util.concurrent.CompletableFuture<String> answer;
            try {
                answer = d.execute(payload, clientId, username);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                Log.WARNING.warn("dynsec: too many requests queued; dropped one from {}", clientId);
                return;
            }
            answer.whenComplete((response, error) -> {
                if (error != null) {
                    Log.ERROR.error("dynsec: request from {} failed: {}", clientId, error.toString());
                } else {
                    broker.publish(DynamicSecurity.RESPONSE_TOPIC, response.getBytes(StandardCharsets.UTF_8), 0, false);
                }
            });
        });
    }

    /** {@code plugin_opt_password_iterations N} (a Tern option; Mosquitto's plugin ignores it), else Tern's default. */
    private static int iterations(PluginConfig p) throws IOException {
        String v = p.option("password_iterations");
        if (v == null) {
            return io.tern.broker.security.PasswordHasher.DEFAULT_ITERATIONS;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(p.location() + ": plugin_opt_password_iterations: '" + v
                + "' is not a whole number of at least 1");
    }

    /** The configuration that applies to a listener's clients, or null when the plugin is not on it. */
    private DynamicSecurity instanceFor(ListenerConfig listener) {
        for (PluginConfig p : config.plugins(listener)) {
            if (p.isDynamicSecurity()) {
                return instances.get(config.resolve(p.option("config_file")));
            }
        }
        return null;
    }

    /** The configurations in use, by file: what another front door (REST) calls {@link DynamicSecurity#execute} on. */
    public Map<Path, DynamicSecurity> instances() {
        return Map.copyOf(instances);
    }

    @Override
    public void start(Broker broker) {
        // everything is in place since prepare(): the listeners used it from their first client
    }

    @Override
    public void stop() {
        close();
    }

    private void close() {
        instances.values().forEach(DynamicSecurity::close);
    }
}
