package io.tern.cluster;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three brokers in one JVM as one cluster, driven by Paho (MQTT 3.1.1) and the HiveMQ client (MQTT 5): messages
 * published on one node reach the subscribers on the others with their QoS, wildcards and the $-rule hold across
 * nodes, unsubscribing stops the forwarding. Each test uses its own topics and client ids on the shared cluster.
 */
class ClusterRoutingTest extends ThreeNodes {

    @Test
    void crossNodeDeliveryForEachQosWithOneCopyForOverlappingSubscriptions() throws Exception {
        try (Clients.Paho sub = new Clients.Paho(n2.uri(), "q-sub-paho", true)) {
            sub.subscribe("q/t", 2).subscribe("q/#", 1);
            Mqtt5BlockingClient sub5 = Clients.hivemq(n3, "q-sub-hive");
            sub5.subscribeWith().topicFilter("q/+").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient.Mqtt5Publishes in5 = Clients.publishes(sub5);
            cluster.awaitRoute(n2, "q/t");
            cluster.awaitRoute(n2, "q/#");
            cluster.awaitRoute(n3, "q/+");

            Mqtt5BlockingClient pub = Clients.hivemq(n1, "q-pub");
            Clients.publish(pub, "q/t", "zero", 0, false);
            Clients.publish(pub, "q/t", "one", 1, false);
            Clients.publish(pub, "q/t", "two", 2, false);
            // QoS 2 like the last one: Paho hands a QoS 2 message over only at PUBREL, later than a QoS 1 one
            Clients.publish(pub, "q/end", "end", 2, false);

            // one copy at the highest granted QoS of the overlapping subscriptions [MQTT-3.3.4-2], in order
            List<Clients.Got> got = new ArrayList<>();
            Clients.Got g;
            while ((g = sub.next()) != null && !g.payload().equals("end")) {
                got.add(g);
            }
            assertThat(g).isNotNull();
            assertThat(got).containsExactly(new Clients.Got("q/t", "zero", 0, false),
                    new Clients.Got("q/t", "one", 1, false), new Clients.Got("q/t", "two", 2, false));

            List<String> got5 = new ArrayList<>();
            List<Integer> qos5 = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Optional<Mqtt5Publish> p = in5.receive(10, TimeUnit.SECONDS);
                assertThat(p).isPresent();
                got5.add(Clients.text(p.get()));
                qos5.add(p.get().getQos().getCode());
            }
            assertThat(got5).containsExactly("zero", "one", "two", "end");
            assertThat(qos5).containsExactly(0, 1, 1, 1);
            pub.disconnect();
            sub5.disconnect();
        }
        assertThat(n1.node().forwardedCount()).isPositive();
    }

    @Test
    void wildcardsAndDollarTopicsAcrossNodes() throws Exception {
        try (Clients.Paho sub = new Clients.Paho(n2.uri(), "w-sub", true);
             Clients.Paho pub = new Clients.Paho(n1.uri(), "w-pub", true)) {
            sub.subscribe("#", 1).subscribe("$app/+/t", 1);
            cluster.awaitRoute(n2, "#");
            cluster.awaitRoute(n2, "$app/+/t");
            pub.publish("$app/a/t", "dollar", 1, false);
            pub.publish("$app/a/other", "not-matched", 1, false);
            pub.publish("w/deep/er", "plain", 1, false);
            pub.publish("w/end", "end", 1, false);
            List<String> got = new ArrayList<>();
            Clients.Got g;
            while ((g = sub.next()) != null) {
                if (!g.topic().startsWith("w/") && !g.topic().startsWith("$app/")) {
                    continue; // other tests' traffic, caught by '#'
                }
                got.add(g.topic() + "=" + g.payload());
                if (g.payload().equals("end")) {
                    break;
                }
            }
            // '#' does not match topics starting with '$' [MQTT-4.7.2-1]; '$app/+/t' does, once
            assertThat(got).containsExactly("$app/a/t=dollar", "w/deep/er=plain", "w/end=end");
        }
    }

    @Test
    void unsubscribeStopsCrossNodeDelivery() throws Exception {
        try (Clients.Paho sub = new Clients.Paho(n3.uri(), "u-sub", true);
             Clients.Paho pub = new Clients.Paho(n1.uri(), "u-pub", true)) {
            sub.subscribe("u/a", 1).subscribe("u/marker", 1);
            cluster.awaitRoute(n3, "u/a");
            cluster.awaitRoute(n3, "u/marker");
            pub.publish("u/a", "before", 1, false);
            assertThat(sub.next()).isEqualTo(new Clients.Got("u/a", "before", 1, false));

            long forwardedBefore = n1.node().forwardedCount();
            sub.client.unsubscribe("u/a");
            cluster.awaitNoRoute(n3, "u/a");
            pub.publish("u/a", "after", 1, false);
            pub.publish("u/marker", "marker", 1, false);
            assertThat(sub.next()).isEqualTo(new Clients.Got("u/marker", "marker", 1, false));
            // only the marker crossed the network: node 1 no longer sends u/a to node 3
            assertThat(n1.node().forwardedCount() - forwardedBefore).isEqualTo(1);
        }
    }

    @Test
    void sharedSubscriptionDeliversEachMessageOnceAcrossNodes() throws Exception {
        try (Clients.Paho a = new Clients.Paho(n2.uri(), "s-a", true);
             Clients.Paho b = new Clients.Paho(n3.uri(), "s-b", true);
             Clients.Paho pub = new Clients.Paho(n1.uri(), "s-pub", true)) {
            a.subscribe("$share/g/s/+", 1);
            b.subscribe("$share/g/s/+", 1);
            cluster.awaitRoute(n2, "$share/g/s/+");
            cluster.awaitRoute(n3, "$share/g/s/+");
            int n = 40;
            for (int i = 0; i < n; i++) {
                pub.publish("s/t", "m" + i, 1, false);
            }
            await().until(() -> a.inbox.size() + b.inbox.size() >= n);
            List<String> all = new ArrayList<>();
            int fromA = a.inbox.size();
            a.inbox.forEach(g -> all.add(g.payload()));
            b.inbox.forEach(g -> all.add(g.payload()));
            a.inbox.clear();
            b.inbox.clear();
            // each message to exactly one member of the group [MQTT-4.8.2-3 non-normative], both nodes take part
            assertThat(all).doesNotHaveDuplicates().hasSize(n);
            assertThat(fromA).isBetween(1, n - 1);
        }
    }

    @Test
    void aLeavingSharedMemberHandsItsUnacknowledgedMessagesToAMemberOnAnotherNode() throws Exception {
        // member A on node 2 receives but never acknowledges; member B is on node 3
        com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient a = com.hivemq.client.mqtt.mqtt5.Mqtt5Client.builder()
                .identifier("h-a").serverHost("127.0.0.1").serverPort(n2.mqttPort()).buildAsync();
        a.connect().get(10, TimeUnit.SECONDS);
        List<String> heldByA = new java.util.concurrent.CopyOnWriteArrayList<>();
        a.subscribeWith().topicFilter("$share/h/h/+").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> heldByA.add(Clients.text(p))).manualAcknowledgement(true)
                .send().get(10, TimeUnit.SECONDS);
        try (Clients.Paho b = new Clients.Paho(n3.uri(), "h-b", true);
             Clients.Paho pub = new Clients.Paho(n1.uri(), "h-pub", true)) {
            b.subscribe("$share/h/h/+", 1);
            cluster.awaitRoute(n2, "$share/h/h/+");
            cluster.awaitRoute(n3, "$share/h/h/+");
            int n = 10;
            for (int i = 0; i < n; i++) {
                pub.publish("h/t", "m" + i, 1, false);
            }
            await().until(() -> heldByA.size() + b.inbox.size() == n);
            assertThat(heldByA).isNotEmpty();
            // A leaves (its session ends with the connection): what it did not acknowledge goes to B (MQTT 5 4.8.2)
            a.disconnect().get(10, TimeUnit.SECONDS);
            await().until(() -> b.inbox.size() >= n);
            List<String> atB = new ArrayList<>();
            b.inbox.forEach(g -> atB.add(g.payload()));
            assertThat(atB).doesNotHaveDuplicates().containsAll(heldByA).hasSize(n);
        }
    }

    @Test
    void pubackSaysNoMatchingSubscribersOnlyWhenNoNodeHasOne() throws Exception {
        // MQTT 5 3.4.2.1: 0x10 "No matching subscribers" only when no subscription anywhere in the cluster matches
        try (Clients.Paho plain = new Clients.Paho(n2.uri(), "nm-plain", true);
             Clients.Paho shared = new Clients.Paho(n3.uri(), "nm-shared", true)) {
            plain.subscribe("nm/plain", 1);
            shared.subscribe("$share/g/nm/shared", 1);
            cluster.awaitRoute(n2, "nm/plain");
            cluster.awaitRoute(n3, "$share/g/nm/shared");
            Mqtt5BlockingClient pub = Clients.hivemq(n1, "nm-pub");
            assertThat(puback(pub, "nm/plain")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(puback(pub, "nm/shared")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(puback(pub, "nm/nobody")).isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
            assertThat(plain.next()).isEqualTo(new Clients.Got("nm/plain", "x", 1, false));
            assertThat(shared.next()).isEqualTo(new Clients.Got("nm/shared", "x", 1, false));
            pub.disconnect();
        }
    }

    private static Mqtt5PubAckReasonCode puback(Mqtt5BlockingClient c, String topic) {
        Mqtt5PublishResult r = c.publishWith().topic(topic).payload("x".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).send();
        return ((Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode();
    }

    @Test
    void everyNodeListsTheThreeMembersWithItselfMarkedLocal() {
        for (TestCluster.Node n : List.of(n1, n2, n3)) {
            List<io.tern.broker.extension.ClusterMember> members = n.broker().clusterMembers();
            assertThat(members).extracting(io.tern.broker.extension.ClusterMember::nodeId)
                    .containsExactlyInAnyOrder(n1.id(), n2.id(), n3.id());
            assertThat(members).filteredOn(io.tern.broker.extension.ClusterMember::local)
                    .extracting(io.tern.broker.extension.ClusterMember::nodeId).containsExactly(n.id());
        }
    }
}
