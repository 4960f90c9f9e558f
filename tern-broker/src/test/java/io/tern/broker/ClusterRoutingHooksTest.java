package io.tern.broker;

import io.tern.broker.extension.ClusterRouting;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The contract of the {@link ClusterRouting} hooks as a cluster module sees it, with a recording stand-in for the
 * module: what it is told, what it may inject, and that an injected message is delivered locally only.
 */
class ClusterRoutingHooksTest {

    /** Records every call; can keep shared groups for "another node". */
    static final class Recorder implements ClusterRouting {
        final List<String> events = new CopyOnWriteArrayList<>();
        final BlockingQueue<Message> published = new LinkedBlockingQueue<>();
        volatile boolean sharedElsewhere;

        @Override
        public void published(Message msg) {
            if (!msg.topic().startsWith("$SYS/")) {
                published.add(msg); // $SYS is the broker's own; a module does not forward it
            }
        }

        @Override
        public boolean sharedHere(String group, String filter, Message msg) {
            events.add("shared? " + group + " " + filter);
            return !sharedElsewhere;
        }

        @Override
        public void subscribed(String clientId, SessionState.Subscription s, boolean added) {
            events.add("sub " + clientId + " " + s.filter() + " q" + s.qos() + (added ? " new" : " changed"));
        }

        @Override
        public void unsubscribed(String clientId, String filter) {
            events.add("unsub " + clientId + " " + filter);
        }

        @Override
        public void connecting(String clientId, boolean cleanStart, Consumer<SessionState> proceed) {
            events.add("connecting " + clientId);
            proceed.accept(null);
        }

        @Override
        public void attached(String clientId, MqttVersion version, long expirySeconds, Packet.Will will) {
            events.add("attached " + clientId + " will=" + (will == null ? "-" : will.topic()));
        }

        @Override
        public void detached(String clientId, boolean ended) {
            events.add("detached " + clientId + (ended ? " ended" : ""));
        }

        @Override
        public void ended(String clientId) {
            events.add("ended " + clientId);
        }
    }

    @Test
    void theModuleHearsOfPublishesSubscriptionsAndSessionsAndInjectsForLocalDeliveryOnly() throws Exception {
        Recorder r = new Recorder();
        try (TestBroker b = TestBroker.start()) {
            b.broker.joinCluster(r);
            ClusterEndpoint endpoint = b.broker.clusterEndpoint();
            MqttClient sub = new MqttClient(b.tcpUri(), "h-sub", new MemoryPersistence());
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            sub.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                public void connectionLost(Throwable cause) { }

                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                    got.add(topic + "=" + new String(m.getPayload(), StandardCharsets.UTF_8));
                }

                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) { }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setWill("h/will", "x".getBytes(StandardCharsets.UTF_8), 0, false);
            sub.connect(o);
            sub.subscribe("h/+", 1);
            sub.subscribe("$share/g/h/s", 1);
            assertThat(r.events).contains("connecting h-sub", "attached h-sub will=h/will", "sub h-sub h/+ q1 new",
                    "sub h-sub $share/g/h/s q1 new");

            // a local publish: routed here, then given to the module once
            b.broker.publish("h/a", "local".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("h/a=local");
            assertThat(r.published.poll(5, TimeUnit.SECONDS).topic()).isEqualTo("h/a");

            // a message from another node: delivered here, never handed back to the module
            endpoint.deliverFromCluster(Message.of("h/b", "remote".getBytes(StandardCharsets.UTF_8), 1, false),
                    true, Set.of());
            assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("h/b=remote");
            assertThat(r.published).isEmpty();

            // a shared group the cluster gives to a member on another node is skipped here
            r.sharedElsewhere = true;
            b.broker.publish("h/s", "elsewhere".getBytes(StandardCharsets.UTF_8), 1, false);
            r.sharedElsewhere = false;
            b.broker.publish("h/s", "here".getBytes(StandardCharsets.UTF_8), 1, false);
            // h/s matches h/+ too: the plain subscription always gets it; the group only when chosen here
            List<String> four = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                four.add(got.poll(5, TimeUnit.SECONDS));
            }
            assertThat(four).containsExactlyInAnyOrder("h/s=elsewhere", "h/s=here", "h/s=here");
            assertThat(r.events).contains("shared? g h/s");

            // a forwarded message for a shared group reaches only that group, not the plain subscriptions
            endpoint.deliverFromCluster(Message.of("h/s", "group-only".getBytes(StandardCharsets.UTF_8), 1, false),
                    false, Set.of("$share/g/h/s"));
            assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("h/s=group-only");

            sub.unsubscribe("h/+");
            assertThat(r.events).contains("unsub h-sub h/+");
            sub.disconnect();
            sub.close();
            await().until(() -> r.events.contains("ended h-sub"));
            assertThat(r.events).contains("detached h-sub ended", "unsub h-sub $share/g/h/s");
            assertThat(got).isEmpty();
        }
    }

    @Test
    void aClusterNameWithoutAClusterModuleStopsStartUp() {
        assertThatThrownBy(() -> TestBroker.start(c -> c.cluster().name("lonely")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cluster_name is set but no cluster module is on the class path (tern-cluster)");
    }
}
