package io.tern.cluster;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sessions in a three-node cluster: a client id is unique cluster-wide (a reconnect to another node takes the
 * session over, with its subscriptions and queued messages), retained messages reach a node that joined later,
 * and when a node dies its clients' wills are published and its persistent sessions live on. The last test
 * kills a node, so the order is fixed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSessionsTest extends ThreeNodes {

    @Test
    @Order(1)
    void reconnectToAnotherNodeTakesTheSessionWithItsQueuedMessages() throws Exception {
        MqttClient first = new MqttClient(n1.uri(), "t-paho", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        first.connect(o);
        first.subscribe("t/a", 1);
        first.disconnect();
        first.close();
        cluster.awaitRoute(n1, "t/a");
        try (Clients.Paho pub = new Clients.Paho(n3.uri(), "t-pub", true)) {
            for (int i = 0; i < 3; i++) {
                pub.publish("t/a", "queued" + i, 1, false); // queued on node 1 for the offline session
            }
            pub.publish("t/marker", "x", 1, false);
            await().until(() -> n3.node().forwardedCount() >= 3);

            MqttClient again = new MqttClient(n2.uri(), "t-paho", new MemoryPersistence());
            Clients.Paho sink = new Clients.Paho(n2.uri(), "t-sink", true); // only for its callback type
            again.setCallback(sink);
            boolean present = again.connectWithResult(o).getSessionPresent();
            assertThat(present).as("session present after moving nodes [MQTT-3.2.2-2]").isTrue();
            for (int i = 0; i < 3; i++) {
                assertThat(sink.next()).isEqualTo(new Clients.Got("t/a", "queued" + i, 1, false));
            }
            // the subscription moved too: node 1 no longer has it, node 2 does
            cluster.awaitRoute(n2, "t/a");
            cluster.awaitNoRoute(n1, "t/a");
            pub.publish("t/a", "live", 1, false);
            assertThat(sink.next()).isEqualTo(new Clients.Got("t/a", "live", 1, false));
            again.disconnect();
            again.close();
            sink.close();
        }
    }

    @Test
    @Order(2)
    void takeoverAcrossNodesClosesTheOldConnectionWith0x8EAndPublishesItsWill() throws Exception {
        try (Clients.Paho watcher = new Clients.Paho(n3.uri(), "k-watch", true)) {
            watcher.subscribe("k/will", 1);
            cluster.awaitRoute(n3, "k/will");
            CompletableFuture<Mqtt5DisconnectReasonCode> closedWith = new CompletableFuture<>();
            Mqtt5BlockingClient old = Mqtt5Client.builder().identifier("k-hive").serverHost("127.0.0.1")
                    .serverPort(n1.mqttPort())
                    .addDisconnectedListener(ctx -> {
                        if (ctx.getCause() instanceof Mqtt5DisconnectException d) {
                            closedWith.complete(d.getMqttMessage().getReasonCode());
                        } else {
                            closedWith.completeExceptionally(ctx.getCause());
                        }
                    })
                    .buildBlocking();
            old.connectWith().cleanStart(true).sessionExpiryInterval(300)
                    .willPublish().topic("k/will").payload("gone".getBytes(StandardCharsets.UTF_8))
                    .qos(MqttQos.AT_LEAST_ONCE).applyWillPublish().send();
            old.subscribeWith().topicFilter("k/data").qos(MqttQos.AT_LEAST_ONCE).send();
            cluster.awaitRoute(n1, "k/data");

            Mqtt5BlockingClient fresh = Mqtt5Client.builder().identifier("k-hive").serverHost("127.0.0.1")
                    .serverPort(n2.mqttPort()).buildBlocking();
            Mqtt5ConnAck ack = fresh.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
            // [MQTT-3.1.4-3]: the existing connection is closed, with 0x8E Session taken over in MQTT 5
            assertThat(closedWith.get(10, TimeUnit.SECONDS)).isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER);
            assertThat(ack.isSessionPresent()).isTrue();
            // the will of the closed connection is published [MQTT-3.1.2-8]
            assertThat(watcher.next()).isEqualTo(new Clients.Got("k/will", "gone", 1, false));

            Mqtt5BlockingClient.Mqtt5Publishes in = Clients.publishes(fresh);
            cluster.awaitRoute(n2, "k/data");
            try (Clients.Paho pub = new Clients.Paho(n3.uri(), "k-pub", true)) {
                pub.publish("k/data", "to-new-node", 1, false);
            }
            Optional<Mqtt5Publish> p = in.receive(10, TimeUnit.SECONDS);
            assertThat(p).isPresent();
            assertThat(Clients.text(p.get())).isEqualTo("to-new-node");
            fresh.disconnectWith().sessionExpiryInterval(0).send();
        }
    }

    @Test
    @Order(2)
    void unacknowledgedMessagesMoveWithATakeoverAndAreSentAgainInOrder() throws Exception {
        com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient old = Mqtt5Client.builder().identifier("i-hive")
                .serverHost("127.0.0.1").serverPort(n1.mqttPort()).buildAsync();
        old.connectWith().cleanStart(true).sessionExpiryInterval(300).send().get(10, TimeUnit.SECONDS);
        java.util.List<String> unacked = new java.util.concurrent.CopyOnWriteArrayList<>();
        old.subscribeWith().topicFilter("i/t").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> unacked.add(Clients.text(p))).manualAcknowledgement(true)
                .send().get(10, TimeUnit.SECONDS);
        cluster.awaitRoute(n1, "i/t");
        try (Clients.Paho pub = new Clients.Paho(n3.uri(), "i-pub", true)) {
            for (int i = 0; i < 3; i++) {
                pub.publish("i/t", "u" + i, 1, false);
            }
        }
        await().until(() -> unacked.size() == 3); // received, never acknowledged

        Mqtt5BlockingClient fresh = Mqtt5Client.builder().identifier("i-hive").serverHost("127.0.0.1")
                .serverPort(n2.mqttPort()).buildBlocking();
        Mqtt5BlockingClient.Mqtt5Publishes in = Clients.publishes(fresh);
        assertThat(fresh.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent()).isTrue();
        // the in-flight QoS 1 messages are sent again on the new node, in order [MQTT-4.4.0-1]
        for (int i = 0; i < 3; i++) {
            Optional<Mqtt5Publish> p = in.receive(10, TimeUnit.SECONDS);
            assertThat(p).isPresent();
            assertThat(Clients.text(p.get())).isEqualTo("u" + i);
        }
        fresh.disconnectWith().sessionExpiryInterval(0).send();
    }

    @Test
    @Order(2)
    void takingOverASessionThatEndsWithItsConnectionStartsAfresh() throws Exception {
        try (Clients.Paho first = new Clients.Paho(n1.uri(), "e-paho", true)) {
            first.subscribe("e/t", 1);
            cluster.awaitRoute(n1, "e/t");
            MqttClient second = new MqttClient(n2.uri(), "e-paho", new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            // the old session had clean session 1: it ended with the connection, nothing to resume [MQTT-3.2.2-2]
            assertThat(second.connectWithResult(o).getSessionPresent()).isFalse();
            await().until(() -> !first.client.isConnected());
            cluster.awaitNoRoute(n1, "e/t");
            second.disconnect();
            second.close();
        }
    }

    @Test
    @Order(3)
    void retainedMessagesReachANodeThatJoinedLater() throws Exception {
        try (Clients.Paho pub = new Clients.Paho(n1.uri(), "r-pub", true)) {
            pub.publish("r/a", "kept", 1, true);
            pub.publish("r/b", "cleared", 1, true);
            pub.publish("r/b", "", 1, true);
        }
        // retained messages are cluster state: every running node has them
        await().until(() -> n3.broker().stats() != null && retainedOn(n3, "r/a") && !retainedOn(n3, "r/b"));
        TestCluster.Node n4 = cluster.startNode(TestCluster.freePort(), "node4", c -> { });
        cluster.awaitMembers(4);
        try (Clients.Paho sub = new Clients.Paho(n4.uri(), "r-sub", true)) {
            sub.subscribe("r/#", 1);
            assertThat(sub.next()).isEqualTo(new Clients.Got("r/a", "kept", 1, true));
            // and the node that joined serves the subscription state it received: a publish on node 1 reaches it
            cluster.awaitRoute(n4, "r/#");
            try (Clients.Paho pub = new Clients.Paho(n1.uri(), "r-pub2", true)) {
                pub.publish("r/c", "live", 1, false);
            }
            assertThat(sub.next()).isEqualTo(new Clients.Got("r/c", "live", 1, false));
        }
        n4.broker().close();
        cluster.nodes.remove(n4);
        cluster.awaitMembers(3);
    }

    private static boolean retainedOn(TestCluster.Node n, String topic) {
        return n.broker().clusterEndpoint().retainedMessages().stream().anyMatch(m -> m.topic().equals(topic));
    }

    @Test
    @Order(4)
    void whenANodeDiesItsWillsArePublishedAndItsPersistentSessionsLiveOn() throws Exception {
        try (Clients.Paho watcher = new Clients.Paho(n1.uri(), "d-watch", true)) {
            watcher.subscribe("d/will", 1);
            cluster.awaitRoute(n1, "d/will");
            MqttClient victim = new MqttClient(n3.uri(), "d-will", new MemoryPersistence());
            MqttConnectOptions wo = new MqttConnectOptions();
            wo.setWill("d/will", "d-will died".getBytes(StandardCharsets.UTF_8), 1, false);
            victim.connect(wo);
            MqttClient pers = new MqttClient(n3.uri(), "d-pers", new MemoryPersistence());
            MqttConnectOptions po = new MqttConnectOptions();
            po.setCleanSession(false);
            pers.connect(po);
            pers.subscribe("d/p", 1);
            cluster.awaitRoute(n3, "d/p");
            watcher.subscribe("$SYS/broker/cluster/nodes", 0);
            assertThat(watcher.next()).isEqualTo(new Clients.Got("$SYS/broker/cluster/nodes", "3", 0, true));

            n3.node().crash(); // the member vanishes as under kill -9
            cluster.nodes.remove(n3);
            cluster.awaitMembers(2);
            // the survivors' $SYS says so, and a survivor publishes the will of the dead node's client
            java.util.List<Clients.Got> seen = new java.util.ArrayList<>();
            await().until(() -> {
                Clients.Got g;
                while ((g = watcher.inbox.poll()) != null) {
                    seen.add(g);
                }
                return seen.contains(new Clients.Got("d/will", "d-will died", 1, false))
                        && seen.contains(new Clients.Got("$SYS/broker/cluster/nodes", "2", 0, false));
            });
            try (Clients.Paho sys = new Clients.Paho(n1.uri(), "d-sys", true)) {
                sys.subscribe("$SYS/broker/cluster/members/+/state", 0);
                java.util.Set<String> states = new java.util.HashSet<>();
                for (int i = 0; i < 4; i++) { // node 4 joined and left in an earlier test
                    Clients.Got g = sys.next();
                    assertThat(g).isNotNull();
                    states.add(g.topic() + "=" + g.payload());
                }
                assertThat(states).containsExactlyInAnyOrder("$SYS/broker/cluster/members/node1/state=up",
                        "$SYS/broker/cluster/members/node2/state=up", "$SYS/broker/cluster/members/node3/state=down",
                        "$SYS/broker/cluster/members/node4/state=down");
            }

            // the persistent session was adopted by a survivor: a message published now waits for its client
            cluster.awaitRoute(n1, "d/p");
            try (Clients.Paho pub = new Clients.Paho(n2.uri(), "d-pub", true)) {
                pub.publish("d/p", "while-away", 1, false);
            }
            n3.broker().close();
            victim.close(true);
            pers.close(true);
            MqttClient back = new MqttClient(n2.uri(), "d-pers", new MemoryPersistence());
            Clients.Paho sink = new Clients.Paho(n2.uri(), "d-sink", true);
            back.setCallback(sink);
            assertThat(back.connectWithResult(po).getSessionPresent()).isTrue();
            assertThat(sink.next()).isEqualTo(new Clients.Got("d/p", "while-away", 1, false));
            back.disconnect();
            back.close();
            sink.close();
        }
    }
}
