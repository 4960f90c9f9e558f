package io.tern.cluster;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A split brain and its healing: the two members' Hazelcast traffic runs through proxies; cutting them parts the
 * cluster into two halves that each serve clients (the same client id connected in both, retained messages set
 * in both), restoring them lets Hazelcast's split-brain handler merge the halves (TCP/IP join, merge checks every
 * 2 s in tests). Afterwards each client id has one owner, the retained messages of both halves are there (the one
 * written last wins per topic, LatestUpdateMergePolicy) and messages cross between the nodes again.
 */
class SplitBrainTest {

    @Test
    void twoHalvesMergeWithOneOwnerPerClientIdAndBothHalvesRetainedMessages() throws Exception {
        TestCluster cluster = new TestCluster(2);
        CuttableProxy p1 = new CuttableProxy(cluster.clusterPorts.get(0));
        CuttableProxy p2 = new CuttableProxy(cluster.clusterPorts.get(1));
        Map<String, int[]> ports = Map.of("node1", new int[] {p1.port, p2.port}, "node2", new int[] {p2.port, p1.port});
        HazelcastSetup.testTweak = (id, c) -> {
            int[] p = ports.get(id);
            if (c.getClusterName().equals(cluster.name) && p != null) {
                // the member is reached through its proxy, and finds the other through the other's
                c.getNetworkConfig().setPublicAddress("127.0.0.1:" + p[0]);
                c.getNetworkConfig().getJoin().getTcpIpConfig().setMembers(List.of("127.0.0.1:" + p[1]));
            }
        };
        try (cluster; p1; p2) {
            cluster.start(c -> { });
            TestCluster.Node n1 = cluster.node(0);
            TestCluster.Node n2 = cluster.node(1);
            try (Clients.Paho sub1 = new Clients.Paho(n1.uri(), "sb-sub1", true);
                 Clients.Paho sub2 = new Clients.Paho(n2.uri(), "sb-sub2", true)) {
                sub1.subscribe("sb/x", 1);
                sub2.subscribe("sb/x", 1);
                cluster.awaitRoute(n1, "sb/x");
                cluster.awaitRoute(n2, "sb/x");

                p1.cut();
                p2.cut();
                await().atMost(Duration.ofSeconds(60)).until(() -> n1.node().members() == 1 && n2.node().members() == 1);

                // each half serves the same client id and sets retained messages
                MqttConnectOptions persistent = new MqttConnectOptions();
                persistent.setCleanSession(false);
                MqttClient dup1 = new MqttClient(n1.uri(), "sb-dup", new MemoryPersistence());
                MqttClient dup2 = new MqttClient(n2.uri(), "sb-dup", new MemoryPersistence());
                dup1.connect(persistent);
                dup2.connect(persistent);
                try (Clients.Paho pub1 = new Clients.Paho(n1.uri(), "sb-pub1", true);
                     Clients.Paho pub2 = new Clients.Paho(n2.uri(), "sb-pub2", true)) {
                    pub1.publish("sb/r1", "one", 1, true);
                    pub1.publish("sb/same", "first", 1, true);
                    // a later write to the same topic in the other half (LatestUpdateMergePolicy compares ms)
                    await().pollDelay(Duration.ofMillis(50)).until(() -> true);
                    pub2.publish("sb/r2", "two", 1, true);
                    pub2.publish("sb/same", "second", 1, true);
                }
                assertThat(dup1.isConnected() && dup2.isConnected()).as("both halves took the client").isTrue();

                p1.restore();
                p2.restore();
                await().atMost(Duration.ofSeconds(60)).until(() -> n1.node().members() == 2 && n2.node().members() == 2);

                // one owner per client id: one of the two connections is closed, and the record names its node
                await().atMost(Duration.ofSeconds(20)).during(Duration.ofMillis(500))
                        .until(() -> (dup1.isConnected() ? 1 : 0) + (dup2.isConnected() ? 1 : 0) == 1);
                TestCluster.Node winner = dup1.isConnected() ? n1 : n2;
                TestCluster.Node loser = winner == n1 ? n2 : n1;
                await().atMost(Duration.ofSeconds(10)).until(() -> winner.id().equals(n1.node().sessionOwner("sb-dup"))
                        && winner.id().equals(n2.node().sessionOwner("sb-dup")));
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !loser.broker().clusterEndpoint().clientIds().contains("sb-dup"));

                // retained messages of both halves, on both nodes; the later one for the topic both set
                Map<String, String> expected = Map.of("sb/r1", "one", "sb/r2", "two", "sb/same", "second");
                for (TestCluster.Node n : List.of(n1, n2)) {
                    // each node's copy follows the merged map (merge events, or the merging node's resync)
                    await().atMost(Duration.ofSeconds(20)).until(() -> {
                        Map<String, String> local = new HashMap<>();
                        n.broker().clusterEndpoint().retainedMessages().stream()
                                .filter(m -> m.topic().startsWith("sb/"))
                                .forEach(m -> local.put(m.topic(), new String(m.payload(),
                                        java.nio.charset.StandardCharsets.UTF_8)));
                        return local.equals(expected);
                    });
                    try (Clients.Paho r = new Clients.Paho(n.uri(), "sb-ret-" + n.id(), true)) {
                        Map<String, String> got = new HashMap<>();
                        r.subscribe("sb/+", 1);
                        await().atMost(Duration.ofSeconds(10)).until(() -> {
                            Clients.Got g;
                            while ((g = r.inbox.poll()) != null) {
                                got.put(g.topic(), g.payload());
                            }
                            return got.size() >= 3;
                        });
                        assertThat(got).as("retained on %s", n.id())
                                .containsExactlyInAnyOrderEntriesOf(expected);
                    }
                }

                // and messages cross between the nodes again, both ways
                sub1.inbox.clear();
                sub2.inbox.clear();
                cluster.awaitRoute(n1, "sb/x");
                cluster.awaitRoute(n2, "sb/x");
                try (Clients.Paho pub1 = new Clients.Paho(n1.uri(), "sb-pub1b", true);
                     Clients.Paho pub2 = new Clients.Paho(n2.uri(), "sb-pub2b", true)) {
                    pub1.publish("sb/x", "from1", 1, false);
                    pub2.publish("sb/x", "from2", 1, false);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> sub1.inbox.size() >= 2 && sub2.inbox.size() >= 2);
                assertThat(sub1.inbox).extracting(Clients.Got::payload).containsExactlyInAnyOrder("from1", "from2");
                assertThat(sub2.inbox).extracting(Clients.Got::payload).containsExactlyInAnyOrder("from1", "from2");
                for (MqttClient c : List.of(dup1, dup2)) {
                    if (c.isConnected()) {
                        c.disconnect(2000);
                    }
                    c.close(true);
                }
            }
        } finally {
            HazelcastSetup.testTweak = (id, c) -> { };
        }
    }
}
