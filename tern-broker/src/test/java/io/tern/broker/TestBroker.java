package io.tern.broker;

import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;

import java.io.IOException;
import java.util.function.Consumer;

/** A broker on an ephemeral loopback port for one test. */
final class TestBroker implements AutoCloseable {

    final Broker broker;

    private TestBroker(Broker broker) {
        this.broker = broker;
    }

    static TestBroker start() throws IOException {
        return start(c -> { });
    }

    static TestBroker start(Consumer<BrokerConfig> tweak) throws IOException {
        BrokerConfig config = new BrokerConfig();
        config.addListener(new ListenerConfig(0, "127.0.0.1"));
        config.allowAnonymous(true);
        tweak.accept(config);
        return new TestBroker(Broker.builder().config(config).build().start());
    }

    int port() { return broker.port(); }

    String tcpUri() { return "tcp://127.0.0.1:" + port(); }

    @Override
    public void close() {
        broker.close();
    }
}
