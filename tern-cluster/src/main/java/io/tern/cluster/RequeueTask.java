package io.tern.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * Runs on the node that has a client's session when the node that had it before comes back from its store with
 * messages still queued for it: queues them there and answers once they are durable (see
 * {@link ClusterSessions#handBackQueued}); false when that node has no such session any more.
 */
final class RequeueTask implements Callable<Boolean>, Serializable, HazelcastInstanceAware {

    private static final long serialVersionUID = 1L;

    private final String clientId;
    private final byte[] state;
    private transient HazelcastInstance instance;

    RequeueTask(String clientId, byte[] state) {
        this.clientId = clientId;
        this.state = state;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.instance = hazelcastInstance;
    }

    @Override
    public Boolean call() throws Exception {
        ClusterNode node = ClusterNode.of(instance);
        return node != null && node.sessions().requeue(clientId, state);
    }
}
