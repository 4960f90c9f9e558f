package io.tern.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * Runs on every member after a split brain healed: its sessions are checked against the merged records
 * ({@link ClusterSessions#merged}) and its copy of the retained messages against the merged map.
 */
final class OwnershipCheck implements Callable<Boolean>, Serializable, HazelcastInstanceAware {

    private static final long serialVersionUID = 1L;

    private transient HazelcastInstance instance;

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.instance = hazelcastInstance;
    }

    @Override
    public Boolean call() {
        ClusterNode node = ClusterNode.of(instance);
        if (node != null) {
            node.sessions().checkOwnership();
            node.resyncRetained();
        }
        return true;
    }
}
