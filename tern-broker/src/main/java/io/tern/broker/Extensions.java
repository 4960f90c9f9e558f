package io.tern.broker;

import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.extension.BrokerExtension;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The lifecycle of a broker's extensions: discovery (those given to the builder, then {@link java.util.ServiceLoader}'s),
 * prepare before the listeners bind, start after, reload on SIGHUP, stop in reverse order at close; and the
 * pipelines of listeners the core does not serve.
 */
final class Extensions {

    /** Given to the builder; ServiceLoader's are added at start. */
    private final List<BrokerExtension> given = new ArrayList<>();
    /** The extensions the configuration asks for, found by {@link #prepare}. */
    private final List<BrokerExtension> enabled = new ArrayList<>();
    private final List<BrokerExtension> started = new ArrayList<>();

    void addAll(List<BrokerExtension> extensions) {
        given.addAll(extensions);
    }

    /** The enabled extensions (after {@link #prepare}). */
    List<BrokerExtension> enabled() {
        return enabled;
    }

    /**
     * Finds the extensions the configuration asks for and lets them prepare before any client can connect; a
     * {@code plugin} line that no extension implements stops start-up.
     */
    void prepare(Broker broker, BrokerConfig config, List<ListenerConfig> listeners) throws IOException {
        List<BrokerExtension> all = new ArrayList<>(given);
        java.util.Set<Class<?>> classes = new java.util.HashSet<>();
        given.forEach(e -> classes.add(e.getClass()));
        for (BrokerExtension e : java.util.ServiceLoader.load(BrokerExtension.class)) {
            if (!classes.contains(e.getClass())) {
                all.add(e);
            }
        }
        enabled.clear();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (BrokerExtension e : all) {
            if (e.enabledBy(config)) {
                enabled.add(e);
                names.add(e.name());
            }
        }
        List<io.tern.broker.config.PluginConfig> plugins = new ArrayList<>(config.plugins());
        listeners.forEach(l -> plugins.addAll(l.plugins()));
        for (io.tern.broker.config.PluginConfig p : plugins) {
            String name = io.tern.broker.config.PluginConfig.builtIn(p.path()).orElse(p.path());
            if (!names.contains(name)) {
                throw new IOException(p.location() + ": plugin: the " + name + " plugin is not in this build"
                        + " (its module, e.g. tern-dynsec, is not on the class path)");
            }
        }
        for (BrokerExtension e : enabled) {
            e.prepare(broker);
        }
    }

    /** The pipeline of a listener the core does not serve (protocol http), from an extension. */
    io.tern.broker.extension.ListenerPipeline pipeline(ListenerConfig l) throws IOException {
        for (BrokerExtension e : enabled) {
            io.tern.broker.extension.ListenerPipeline p = e.pipeline(l);
            if (p != null) {
                return p;
            }
        }
        throw new IOException(Broker.unserved(l));
    }

    /** Start-up failed before {@link #start}: stops the extensions that were prepared, never started. */
    void stopPrepared() {
        enabled.forEach(x -> x.stop());
    }

    /**
     * Starts every enabled extension, then checks that the bridges and the cluster the configuration asks for
     * have their module; on failure the caller closes the broker (which stops those started).
     */
    void start(Broker broker, BrokerConfig config) throws IOException {
        for (BrokerExtension e : enabled) {
            try {
                e.start(broker);
                started.add(e);
            } catch (IOException | RuntimeException ex) {
                throw ex instanceof IOException io ? io : new IOException(e.name() + ": " + ex.getMessage(), ex);
            }
        }
        if (!config.bridges().isEmpty() && started.stream().noneMatch(e -> e.name().equals("bridge"))) {
            // a broker that silently ignores its bridges is not the one the operator configured
            io.tern.broker.config.BridgeConfig b = config.bridges().get(0);
            throw new IOException((b.location() != null ? b.location() + ": " : "") + "connection " + b.name()
                    + ": bridges need the tern-bridge module on the class path");
        }
        if (config.cluster().enabled() && broker.clusterRouting() == null) {
            throw new IOException("cluster_name is set but no cluster module is on the class path (tern-cluster)");
        }
    }

    /** SIGHUP: every started extension reloads. */
    void reload(Broker broker) throws IOException {
        for (BrokerExtension e : started) {
            e.reload(broker);
        }
    }

    /** Stops the started extensions in reverse order; one that fails is logged and the others still stop. */
    void stop() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).stop();
            } catch (RuntimeException e) {
                Log.ERROR.error("Error stopping {}: {}", started.get(i).name(), e.toString());
            }
        }
        started.clear();
    }
}
