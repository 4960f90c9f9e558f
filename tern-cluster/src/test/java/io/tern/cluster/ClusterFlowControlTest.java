package io.tern.cluster;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Flow control across nodes: a subscriber on node 2 that reads slower than a QoS 1 publisher on node 1 publishes
 * pauses that publisher, as a slow local subscriber would, instead of losing what passes its queue limit.
 */
class ClusterFlowControlTest {

    @Test
    void aSlowSubscriberOnAnotherNodePausesTheQos1PublisherAndLosesNothing() throws Exception {
        int count = 1200;
        // a queue of 200 (paused from 100): the publisher would outrun it within a fraction of a second
        try (TestCluster cluster = new TestCluster(2).start(c -> c.maxQueuedMessages(200))) {
            TestCluster.Node n1 = cluster.node(0);
            TestCluster.Node n2 = cluster.node(1);
            BitSet got = new BitSet(count);
            AtomicInteger received = new AtomicInteger();
            MqttClient sub = new MqttClient(n2.uri(), "fc-sub", new MemoryPersistence());
            sub.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage m) {
                    // about 2 ms a message: several times slower than the publisher, even on a loaded machine
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                    synchronized (got) {
                        got.set(Integer.parseInt(new String(m.getPayload(), StandardCharsets.UTF_8)));
                    }
                    received.incrementAndGet();
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            sub.connect(o);
            sub.subscribe("fc/t", 1);
            cluster.awaitRoute(n2, "fc/t");

            MqttAsyncClient pub = new MqttAsyncClient(n1.uri(), "fc-pub", new MemoryPersistence());
            MqttConnectOptions po = new MqttConnectOptions();
            po.setMaxInflight(40);
            pub.connect(po).waitForCompletion(15_000);
            long t0 = System.nanoTime();
            ArrayDeque<IMqttDeliveryToken> window = new ArrayDeque<>();
            for (int i = 0; i < count; i++) {
                if (window.size() >= 20) {
                    window.poll().waitForCompletion(30_000);
                }
                window.add(pub.publish("fc/t", Integer.toString(i).getBytes(StandardCharsets.UTF_8), 1, false));
            }
            while (!window.isEmpty()) {
                window.poll().waitForCompletion(30_000);
            }
            // everything arrived, or what did not was dropped at the subscriber's queue limit (the failure)
            await().atMost(60, TimeUnit.SECONDS)
                    .until(() -> received.get() + n2.broker().stats().publishDropped.sum() >= count);
            assertThat(n2.broker().stats().publishDropped.sum()).as("QoS 1 messages dropped on node 2").isZero();
            double seconds = (System.nanoTime() - t0) / 1e9;
            synchronized (got) {
                assertThat(got.cardinality()).as("every acknowledged QoS 1 message arrived").isEqualTo(count);
            }
            assertThat(received.get()).isEqualTo(count);
            // the subscriber's node paused the link rather than dropping: the back-pressure reached node 1
            assertThat(n2.node().linkReadPauses()).isPositive();
            System.out.printf("cross-node flow control: %d QoS 1 messages to a 2 ms/message subscriber in %.1f s,"
                    + " %d link pauses%n", count, seconds, n2.node().linkReadPauses());
            pub.disconnect().waitForCompletion(5000);
            pub.close();
            sub.disconnect(2000);
            sub.close();
        }
    }
}
