package io.tern.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * Runs on the node that has a client's session when the client connects to another node: closes the connection
 * there as a takeover does and returns the session's state ({@link ClusterWire#sessionState}), or null.
 */
final class HandOverTask implements Callable<byte[]>, Serializable, HazelcastInstanceAware {

    private static final long serialVersionUID = 1L;

    private final String clientId;
    private transient HazelcastInstance instance;

    HandOverTask(String clientId) {
        this.clientId = clientId;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.instance = hazelcastInstance;
    }

    @Override
    public byte[] call() throws Exception {
        ClusterNode node = ClusterNode.of(instance);
        return node == null ? null : node.sessions().handOver(clientId);
    }
}
