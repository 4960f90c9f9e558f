package io.tern.broker.extension;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;

import java.io.IOException;

/**
 * A capability that lives outside the core (bridges, cluster, console, dynamic security) and is started with
 * the broker. Modules register one with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/io.tern.broker.extension.BrokerExtension} file), or hand one to
 * {@link Broker.Builder#extension(BrokerExtension)}; the core never names a module.
 *
 * <p>Only extensions whose {@link #enabledBy(BrokerConfig)} says yes are started, so a broker whose
 * configuration does not ask for a module behaves exactly as one without it on the class path.
 */
public interface BrokerExtension {

    /** A short name for log lines ({@code bridge}, {@code cluster}, ...). */
    String name();

    /** Whether {@code config} asks for this extension (a {@code connection} section, a {@code cluster_name}, ...). */
    boolean enabledBy(BrokerConfig config);

    /**
     * For {@code tern --test-config}: reads what the configuration names for this extension (its files) as
     * {@link #prepare}/{@link #start} would, without starting anything.
     *
     * @throws IOException naming the file (and line) that is wrong
     */
    default void check(BrokerConfig config) throws IOException {
    }

    /**
     * Called before the listeners are bound, so no client connects before this returns: the place to register a
     * {@link SecurityProvider} or a {@link ControlHandler}.
     *
     * @throws IOException to stop start-up, with a message naming what is wrong
     */
    default void prepare(Broker broker) throws IOException {
    }

    /**
     * Called once the listeners are bound and before the broker reports itself running.
     *
     * @throws IOException to stop start-up, with a message naming what is wrong
     */
    void start(Broker broker) throws IOException;

    /**
     * The pipeline for a listener whose protocol the core does not serve ({@code protocol http}), or null when
     * this extension does not serve it. Asked while the broker binds its listeners, before {@link #start}, of
     * extensions that are {@link #enabledBy enabled}; a listener no extension serves stops start-up.
     */
    default ListenerPipeline pipeline(io.tern.broker.config.ListenerConfig listener) {
        return null;
    }

    /** Called after the broker re-read its security files on SIGHUP. */
    default void reload(Broker broker) throws IOException {
    }

    /**
     * Called first when the broker closes, while connections and event loops still run; also when start-up
     * fails after {@link #prepare}, to release what it opened.
     */
    default void stop() {
    }
}
