package io.tern.cluster;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.extension.BrokerExtension;

import java.io.IOException;

/**
 * Makes the broker a member of a Tern cluster when its configuration has {@code cluster_name}. This class names
 * no Hazelcast type, so a broker without {@code cluster_name} never loads Hazelcast.
 */
public final class ClusterExtension implements BrokerExtension {

    private volatile ClusterNode node;

    @Override
    public String name() { return "cluster"; }

    @Override
    public boolean enabledBy(BrokerConfig config) {
        return config.cluster().enabled();
    }

    @Override
    public void start(Broker broker) throws IOException {
        node = ClusterNode.start(broker, broker.config().cluster());
    }

    @Override
    public void stop() {
        ClusterNode n = node;
        node = null;
        if (n != null) {
            n.stop();
        }
    }

    /** The running node, for tests and diagnostics; null before start or after stop. */
    public ClusterNode node() { return node; }
}
