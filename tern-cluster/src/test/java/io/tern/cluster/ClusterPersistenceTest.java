package io.tern.cluster;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With persistence each node keeps its own RocksDB store; an offline session's QoS 1 messages wait on that
 * node's disk, and a client that comes back on another node gets them all, in order.
 */
class ClusterPersistenceTest {

    @TempDir
    Path dir;

    @Test
    void queuedMessagesOnDiskMoveWithTheSessionToAnotherNode() throws Exception {
        try (TestCluster cluster = new TestCluster(2).start(c -> c.persistence(true)
                .persistenceLocation(dir.toString()))) {
            TestCluster.Node n1 = cluster.node(0);
            TestCluster.Node n2 = cluster.node(1);
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            MqttClient first = new MqttClient(n1.uri(), "p-sub", new MemoryPersistence());
            first.connect(o);
            first.subscribe("p/q", 1);
            first.disconnect();
            first.close();
            cluster.awaitRoute(n1, "p/q");

            int n = 600; // more than a page (256) of durable entries
            try (Clients.Paho pub = new Clients.Paho(n2.uri(), "p-pub", true)) {
                for (int i = 0; i < n; i++) {
                    pub.publish("p/q", "m" + i, 1, false); // acknowledged once node 1 stored it
                }
            }
            MqttClient back = new MqttClient(n2.uri(), "p-sub", new MemoryPersistence());
            Clients.Paho sink = new Clients.Paho(n2.uri(), "p-sink", true);
            back.setCallback(sink);
            assertThat(back.connectWithResult(o).getSessionPresent()).isTrue();
            assertReceivesInOrder(sink, n);
            back.disconnect();
            back.close();
            sink.close();
        }
    }

    @Test
    void aSessionAdoptedFromADeadNodeIsDurableOnTheSurvivor() throws Exception {
        java.util.function.Consumer<io.tern.broker.config.BrokerConfig> persistent = c -> c.persistence(true)
                .persistenceLocation(dir.toString());
        try (TestCluster cluster = new TestCluster(2).start(persistent)) {
            TestCluster.Node n1 = cluster.node(0);
            TestCluster.Node n2 = cluster.node(1);
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            MqttClient first = new MqttClient(n2.uri(), "a-pers", new MemoryPersistence());
            first.connect(o);
            first.subscribe("a/q", 1);
            first.disconnect();
            first.close();
            cluster.awaitRoute(n2, "a/q");

            n2.node().crash(); // as under kill -9: node 1 adopts the session
            cluster.nodes.remove(n2);
            n2.broker().close();
            cluster.awaitMembers(1);
            cluster.awaitRoute(n1, "a/q");
            int n = 50;
            try (Clients.Paho pub = new Clients.Paho(n1.uri(), "a-pub", true)) {
                for (int i = 0; i < n; i++) {
                    pub.publish("a/q", "m" + i, 1, false); // acknowledged: queued for the adopted session
                }
            }
            // the survivor goes down too (its memory with it) and comes back from its own store
            cluster.nodes.remove(n1);
            n1.broker().close();
            TestCluster.Node again = cluster.startNode(n1.clusterPort(), n1.id(), persistent);
            MqttClient back = new MqttClient(again.uri(), "a-pers", new MemoryPersistence());
            Clients.Paho sink = new Clients.Paho(again.uri(), "a-sink", true);
            back.setCallback(sink);
            assertThat(back.connectWithResult(o).getSessionPresent()).as("the adopted session was stored").isTrue();
            assertReceivesInOrder(sink, n);
            back.disconnect();
            back.close();
            sink.close();
        }
    }

    @Test
    void aNodeThatComesBackHandsTheMessagesItHadQueuedToTheSessionsNewOwner() throws Exception {
        java.util.function.Consumer<io.tern.broker.config.BrokerConfig> persistent = c -> c.persistence(true)
                .persistenceLocation(dir.toString());
        try (TestCluster cluster = new TestCluster(2).start(persistent)) {
            TestCluster.Node n1 = cluster.node(0);
            TestCluster.Node n2 = cluster.node(1);
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            MqttClient first = new MqttClient(n2.uri(), "hb-pers", new MemoryPersistence());
            first.connect(o);
            first.subscribe("hb/q", 1);
            first.disconnect();
            first.close();
            cluster.awaitRoute(n2, "hb/q");
            int n = 30;
            try (Clients.Paho pub = new Clients.Paho(n1.uri(), "hb-pub", true)) {
                for (int i = 0; i < n; i++) {
                    pub.publish("hb/q", "m" + i, 1, false); // acknowledged once node 2 stored it
                }
            }
            n2.node().crash(); // node 1 adopts the session, without those messages
            cluster.nodes.remove(n2);
            n2.broker().close();
            cluster.awaitMembers(1);
            cluster.awaitRoute(n1, "hb/q");

            // node 2 comes back from its store: the session lives on node 1 now, the messages go there
            TestCluster.Node again = cluster.startNode(n2.clusterPort(), n2.id(), persistent);
            cluster.awaitMembers(2);
            await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> !again.broker().clusterEndpoint().clientIds().contains("hb-pers"));
            MqttClient back = new MqttClient(n1.uri(), "hb-pers", new MemoryPersistence());
            Clients.Paho sink = new Clients.Paho(n1.uri(), "hb-sink", true);
            back.setCallback(sink);
            assertThat(back.connectWithResult(o).getSessionPresent()).isTrue();
            assertReceivesInOrder(sink, n);
            back.disconnect();
            back.close();
            sink.close();
        }
    }

    /** {@code sink} gets m0 .. m(n-1), in that order. */
    private static void assertReceivesInOrder(Clients.Paho sink, int n) throws Exception {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Clients.Got g = sink.next();
            assertThat(g).as("message %d of %d", i + 1, n).isNotNull();
            got.add(g.payload());
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add("m" + i);
        }
        assertThat(got).containsExactlyElementsOf(expected);
    }
}
