package io.tern.bridge;

import static io.tern.bridge.Peers.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tern.broker.Broker;
import io.tern.client.MosquittoBroker;
import io.tern.client.MqttClient;
import io.tern.client.MqttMessage;
import io.tern.client.RecordingProxy;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.PropertyId;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A v5 bridge uses topic aliases towards its remote when the remote's CONNACK allows them (Mosquitto 2.0's
 * bridges use none): seen on the wire through a {@link RecordingProxy} between the bridge and the remote, within
 * the remote's {@code max_topic_alias}, with a subscriber on the remote getting every message on its topic, also
 * after the remote restarted and the bridge's aliases started afresh [MQTT-3.3.2-7].
 */
class BridgeTopicAliasTest {

    /** Four topics for the remote's two aliases: reuse and replacement both happen. */
    private static final List<String> SEQUENCE = List.of("t/a", "t/a", "t/b", "t/a", "t/c", "t/c", "t/b", "t/d",
            "t/a", "t/a", "t/c");

    @TempDir
    Path dir;

    private final Opened open = new Opened();

    @AfterEach
    void closeAll() throws Exception {
        open.close();
    }

    private <T extends AutoCloseable> T keep(T t) {
        return open.keep(t);
    }

    private static String bridge(int port, String topics) {
        return plainBridge(port, "bridge_max_topic_alias 100\n" + topics);
    }

    private static String plainBridge(int port, String rest) {
        return "connection cloud\naddress 127.0.0.1:" + port + "\nremote_clientid tern-bridge\nrestart_timeout 1\n"
                + "bridge_protocol_version mqttv50\n" + rest;
    }

    @Test
    void noAliasesWithoutTheOptionAsMosquittosBridges() throws Exception {
        // Mosquitto 2.0's bridges send none even when the remote allows them (its 06-bridge-* tests compare the
        // bytes); bridge_max_topic_alias turns them on
        int port = Peers.freePort();
        keep(Peers.tern(dir, "remote", port, "max_topic_alias 2"));
        RecordingProxy proxy = keep(RecordingProxy.start(port));
        Broker t = keep(Peers.tern(dir, "tern", 0, plainBridge(proxy.port(), "topic t/# out 1\n")));
        MqttClient local = keep(Peers.client(t.port(), "local", MqttVersion.MQTT_5));
        Peers.awaitLast(port, "$SYS/broker/connection/tern-bridge/state", "1");
        MqttClient sub = keep(Peers.client(port, "sub", MqttVersion.MQTT_5));
        Peers.Inbox atRemote = new Peers.Inbox().subscribe(sub, "t/#", 1);
        for (int i = 0; i < SEQUENCE.size(); i++) {
            local.publish(SEQUENCE.get(i), i + ":" + SEQUENCE.get(i), 1, false).join();
        }
        for (int i = 0; i < SEQUENCE.size(); i++) {
            assertThat(atRemote.next().topic()).isEqualTo(SEQUENCE.get(i));
        }
        await().atMost(WAIT).until(() -> proxy.publishes(0).stream().filter(p -> p.topic().startsWith("t/"))
                .count() == SEQUENCE.size());
        assertThat(proxy.publishes(0)).allSatisfy(p -> assertThat(p.properties().intValue(PropertyId.TOPIC_ALIAS, 0))
                .as("no Topic Alias").isZero());
    }

    @Test
    void towardsMosquittoAcrossARestart() throws Exception {
        MosquittoBroker.assumeInstalled();
        MosquittoBroker m = keep(MosquittoBroker.start(Files.createDirectories(dir.resolve("mosquitto")), false,
                "max_topic_alias 2"));
        RecordingProxy proxy = keep(RecordingProxy.start(m.port()));
        Broker t = keep(Peers.tern(dir, "tern", 0, bridge(proxy.port(), "topic t/# out 1\n")));
        MqttClient local = keep(Peers.client(t.port(), "local", MqttVersion.MQTT_5));
        roundTrip(proxy, local, () -> m.port(), 0);

        m.stop();
        m.restart();
        await().atMost(WAIT).until(() -> proxy.connections() >= 2);
        roundTrip(proxy, local, () -> m.port(), 1);
    }

    @Test
    void towardsTernAcrossARestart() throws Exception {
        int port = Peers.freePort();
        Broker remote = keep(Peers.tern(dir, "remote", port, "max_topic_alias 2"));
        RecordingProxy proxy = keep(RecordingProxy.start(port));
        Broker t = keep(Peers.tern(dir, "tern", 0, bridge(proxy.port(), "topic t/# out 1\n")));
        MqttClient local = keep(Peers.client(t.port(), "local", MqttVersion.MQTT_5));
        roundTrip(proxy, local, () -> port, 0);

        open.close(remote);
        keep(Peers.tern(dir, "remote2", port, "max_topic_alias 2"));
        await().atMost(WAIT).until(() -> proxy.connections() >= 2);
        roundTrip(proxy, local, () -> port, 1);
    }

    /**
     * Once the bridge is up on its {@code connection}th connection: the sequence, published locally, reaches a
     * subscriber on the remote topic by topic, and went over the bridge with aliases, at most 2.
     */
    private void roundTrip(RecordingProxy proxy, MqttClient local, IntSupplier remotePort, int connection)
            throws Exception {
        Peers.awaitLast(remotePort.getAsInt(), "$SYS/broker/connection/tern-bridge/state", "1");
        MqttClient sub = keep(Peers.client(remotePort.getAsInt(), "sub" + connection, MqttVersion.MQTT_5));
        Peers.Inbox atRemote = new Peers.Inbox().subscribe(sub, "t/#", 1);
        for (int i = 0; i < SEQUENCE.size(); i++) {
            local.publish(SEQUENCE.get(i), i + ":" + SEQUENCE.get(i), 1, false).join();
        }
        for (int i = 0; i < SEQUENCE.size(); i++) {
            MqttMessage msg = atRemote.next();
            assertThat(msg.topic()).as("message %d", i).isEqualTo(SEQUENCE.get(i));
            assertThat(msg.payloadAsString()).isEqualTo(i + ":" + SEQUENCE.get(i));
        }
        assertThat(proxy.connections()).isEqualTo(connection + 1);
        await().atMost(WAIT).until(() -> proxy.resolvedTopics(connection).stream().filter(s -> s.startsWith("t/"))
                .count() == SEQUENCE.size());
        List<String> resolved = proxy.resolvedTopics(connection); // fails on an alias the remote never got
        assertThat(resolved.stream().filter(s -> s.startsWith("t/")).toList()).containsExactlyElementsOf(SEQUENCE);
        List<Packet.Publish> sent = proxy.publishes(connection);
        assertThat(sent).filteredOn(p -> p.topic().isEmpty()).as("PUBLISHes with only an alias").hasSizeGreaterThan(2);
        assertThat(sent).allSatisfy(p -> assertThat(p.properties().intValue(PropertyId.TOPIC_ALIAS, 0))
                .as("[MQTT-3.3.2-9] within the remote's Topic Alias Maximum").isBetween(1, 2));
    }
}
