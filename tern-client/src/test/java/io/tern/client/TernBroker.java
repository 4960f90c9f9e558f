package io.tern.client;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The Tern broker in this JVM for the library's tests: listeners on ephemeral 127.0.0.1 ports, and a restart that
 * binds the same ports again so a reconnecting client finds the new broker where the old one was.
 */
final class TernBroker implements AutoCloseable {

    private final Consumer<BrokerConfig> configure;
    private List<Integer> ports;
    private Broker broker;

    private TernBroker(Consumer<BrokerConfig> configure) {
        this.configure = configure;
    }

    /**
     * @param configure adds listeners (port 0) and sets options; with no listener added, one plain TCP listener
     *                  is used. It runs again, on a fresh config, at each restart.
     */
    static TernBroker start(Consumer<BrokerConfig> configure) throws IOException {
        TernBroker b = new TernBroker(configure);
        b.launch(null);
        return b;
    }

    static TernBroker start() throws IOException {
        return start(c -> { });
    }

    private void launch(List<Integer> fixedPorts) throws IOException {
        BrokerConfig config = new BrokerConfig().allowAnonymous(true);
        configure.accept(config);
        if (config.listeners().isEmpty()) {
            config.addListener(new ListenerConfig(0, "127.0.0.1"));
        }
        if (fixedPorts != null) {
            for (int i = 0; i < fixedPorts.size(); i++) {
                config.listeners().get(i).port(fixedPorts.get(i));
            }
        }
        broker = Broker.builder().config(config).build().start();
        ports = new ArrayList<>();
        broker.boundAddresses().forEach(a -> ports.add(a.getPort()));
    }

    /** The port of the {@code i}th listener, in the order they were added. */
    int port(int i) {
        return ports.get(i);
    }

    int port() {
        return port(0);
    }

    String tcpUri() {
        return "tcp://127.0.0.1:" + port();
    }

    /** Stops the broker (connections close, persistent state is kept in the store). */
    void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** Starts a new broker with the same configuration on the same ports. */
    void restart() throws IOException {
        stop();
        launch(List.copyOf(ports));
    }

    @Override
    public void close() {
        stop();
    }
}
