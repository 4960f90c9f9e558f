package io.tern.cluster;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Client ids are unique cluster-wide even when two clients with the same id connect to two nodes in the same
 * instant: exactly one connection ends up owning the session, on the node the cluster's record names.
 */
class ConcurrentConnectTest {

    @Test
    void twoConnectsOfOneClientIdOnTwoNodesAtOnceLeaveExactlyOneOwner() throws Exception {
        int linkPort = TestCluster.freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (TestCluster cluster = new TestCluster(2).start(c -> {
            if (c.cluster().nodeId().equals("node2")) {
                c.cluster().linkPort(linkPort); // cluster_link_port: the link listens where it is told
            }
        })) {
            TestCluster.Node n1 = cluster.node(0);
            TestCluster.Node n2 = cluster.node(1);
            assertThat(n2.node().linkPort()).isEqualTo(linkPort);
            int rounds = 8;
            for (int round = 0; round < rounds; round++) {
                String id = "race-" + round;
                boolean clean = round % 2 == 0; // clean and persistent sessions alike
                MqttClient a = new MqttClient(n1.uri(), id, new MemoryPersistence());
                MqttClient b = new MqttClient(n2.uri(), id, new MemoryPersistence());
                try {
                    CyclicBarrier together = new CyclicBarrier(2);
                    List<Future<?>> connects = List.of(pool.submit(() -> connect(a, clean, together)),
                            pool.submit(() -> connect(b, clean, together)));
                    for (Future<?> f : connects) {
                        f.get(30, TimeUnit.SECONDS);
                    }
                    // one of them is closed as taken over, and it stays at one connection
                    await().atMost(Duration.ofSeconds(15)).during(Duration.ofMillis(500))
                            .until(() -> (a.isConnected() ? 1 : 0) + (b.isConnected() ? 1 : 0) == 1);
                    TestCluster.Node winner = a.isConnected() ? n1 : n2;
                    TestCluster.Node loser = winner == n1 ? n2 : n1;
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> winner.id().equals(winner.node().sessionOwner(id)));
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> !loser.broker().clusterEndpoint().clientIds().contains(id));
                    assertThat(winner.broker().clusterEndpoint().clientIds()).as("round %d", round).contains(id);
                } finally {
                    for (MqttClient c : List.of(a, b)) {
                        if (c.isConnected()) {
                            c.disconnect(2000);
                        }
                        c.close(true);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Object connect(MqttClient c, boolean clean, CyclicBarrier together) throws Exception {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setConnectionTimeout(15);
        together.await(10, TimeUnit.SECONDS);
        try {
            c.connect(o);
        } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
            // closed before its CONNACK by the other connect's takeover: allowed, it is the one that lost
        }
        return null;
    }
}
