package io.tern.cluster;

import io.tern.broker.Broker;
import io.tern.broker.Message;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.config.PersistenceSync;
import io.tern.broker.config.SharedSubscriptionStrategy;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The confirmation of a forwarded frame releases the publisher's PUBACK/PUBREC on the sending node, so with
 * persistence it may leave only when what the frame wrote is durable here: with {@code persistence_sync batch}
 * RocksDB keeps WAL writes in the process until the group commit, which a kill -9 would lose. A frame that
 * wrote nothing durable is confirmed at once, unless an earlier one from the same node still waits: the
 * confirmations keep the frames' order.
 */
class ForwardedConfirmationTest {

    @TempDir
    Path dir;

    /** A confirmation sent back: the frame it confirms and the thread it was sent from. */
    private record Sent(long sequence, String thread) {
    }

    @Test
    void framesThatWroteDurableEntriesAreConfirmedFromTheGroupCommitInOrder() throws Exception {
        BrokerConfig config = new BrokerConfig();
        config.addListener(new ListenerConfig(0, "127.0.0.1"));
        config.allowAnonymous(true);
        config.persistence(true).persistenceLocation(dir.toString()).persistenceSync(PersistenceSync.BATCH);
        Broker broker = Broker.builder().config(config).build().start();
        try {
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            MqttClient sub = new MqttClient("tcp://127.0.0.1:" + broker.port(), "durable-sub",
                    new MemoryPersistence());
            sub.connect(o);
            sub.subscribe("d/#", 1);
            sub.disconnect(); // offline: its QoS 1 messages go to its durable queue
            sub.close();

            List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
            UUID sender = UUID.randomUUID();
            ClusterRouter router = new ClusterRouter(UUID.randomUUID(), broker.clusterEndpoint(), null, null, null,
                    Runnable::run, SharedSubscriptionStrategy.ROUND_ROBIN,
                    (node, bytes) -> {
                        assertThat(node).isEqualTo(sender);
                        sent.add(new Sent(Forwarder.decode(bytes).sequence(), Thread.currentThread().getName()));
                    });
            String here = Thread.currentThread().getName();

            router.received(frame(sender, 1, "d/x", 1), null); // stored in the subscriber's queue
            router.received(frame(sender, 2, "n/x", 1), null); // no subscriber: writes nothing
            router.received(frame(sender, 3, "d/y", 1), null);
            await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 3);
            assertThat(sent).extracting(Sent::sequence).containsExactly(1L, 2L, 3L);
            assertThat(sent.get(0).thread()).as("frame 1 confirmed only by the group commit")
                    .isNotEqualTo(here).isEqualTo("tern-store-sync");
            assertThat(sent.get(2).thread()).isEqualTo("tern-store-sync");

            router.received(frame(sender, 4, "n/x", 1), null); // nothing durable and nothing waiting: at once
            assertThat(sent).hasSize(4);
            assertThat(sent.get(3)).isEqualTo(new Sent(4, here));
        } finally {
            broker.close();
        }
    }

    private static byte[] frame(UUID sender, long sequence, String topic, int qos) {
        Message m = Message.of(topic, ("m" + sequence).getBytes(StandardCharsets.UTF_8), qos, false);
        return Forwarder.encode(List.of(new Forwarder.Forward(m, true, List.of(), null)), sender, sequence, true);
    }
}
