package io.tern.console;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.config.ListenerProtocol;
import io.tern.broker.extension.BrokerExtension;
import io.tern.broker.extension.ListenerPipeline;

import java.io.IOException;

/**
 * The web console, REST admin API and Prometheus metrics, on every listener with {@code protocol http}. Found by
 * {@link java.util.ServiceLoader}; a configuration without an http listener never starts it.
 */
public final class ConsoleExtension implements BrokerExtension {

    private volatile ConsoleServer server;

    @Override
    public String name() {
        return "console";
    }

    @Override
    public boolean enabledBy(BrokerConfig config) {
        return config.effectiveListeners().stream().anyMatch(l -> l.protocol() == ListenerProtocol.HTTP);
    }

    @Override
    public ListenerPipeline pipeline(ListenerConfig listener) {
        if (listener.protocol() != ListenerProtocol.HTTP) {
            return null;
        }
        return ch -> {
            ConsoleServer s = server;
            if (s == null) {
                ch.close(); // the broker is not running yet (or any more)
            } else {
                s.initChannel(ch, listener);
            }
        };
    }

    @Override
    public void start(Broker broker) throws IOException {
        ConsoleServer s = new ConsoleServer(broker);
        s.start();
        server = s;
    }

    @Override
    public void reload(Broker broker) throws IOException {
        ConsoleServer s = server;
        if (s != null) {
            s.reload();
        }
    }

    @Override
    public void stop() {
        ConsoleServer s = server;
        server = null;
        if (s != null) {
            s.stop();
        }
    }
}
