package io.tern.broker;

import io.tern.broker.config.PersistenceSync;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The broker with persistence on RocksDB: what survives a restart, through the real broker. */
class PersistenceTest {

    @TempDir
    Path dir;

    private TestBroker broker;
    private int publishers;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private TestBroker start() throws IOException {
        return start(10);
    }

    /** One message in flight at a time, so each test can expect packets in a fixed order. */
    private TestBroker start(int sysInterval) throws IOException {
        broker = TestBroker.start(c -> c.persistence(true).persistenceLocation(dir.toString())
                .persistenceFile("tern.db").persistenceSync(PersistenceSync.BATCH).maxInflightMessages(1)
                .sysInterval(sysInterval));
        return broker;
    }

    private void restart() throws IOException {
        restart(10);
    }

    private void restart(int sysInterval) throws IOException {
        broker.close();
        broker = null;
        start(sysInterval);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private RawClient persistentSubscriber(String id, String filter, int qos) throws Exception {
        RawClient c = new RawClient(broker.port());
        c.connect(id, false, 60, null);
        c.send(new Packet.Subscribe(1, List.of(new Packet.Subscription(filter, qos)), Properties.EMPTY));
        c.next();
        return c;
    }

    private void publish(String topic, String payload, int qos, boolean retain) throws Exception {
        try (RawClient p = new RawClient(broker.port())) {
            // a fresh id each time: reusing one would take over the previous connection, which may not have
            // been read to its end yet (a QoS 0 publish still in its socket is then rightly dropped)
            p.connect("publisher-" + (++publishers));
            p.send(new Packet.Publish(topic, qos, retain, false, qos == 0 ? 0 : 1, utf8(payload), Properties.EMPTY));
            if (qos == 1) {
                assertThat(p.next()).isInstanceOf(Packet.PubAck.class);
            } else if (qos == 2) {
                assertThat(p.next()).isInstanceOf(Packet.PubRec.class);
                p.send(new Packet.PubRel(1, 0, Properties.EMPTY));
                assertThat(p.next()).isInstanceOf(Packet.PubComp.class);
            }
        }
    }

    @Test
    void retainedMessagesSubscriptionsAndQueuesSurviveARestart() throws Exception {
        start();
        persistentSubscriber("keeper", "k/#", 2).close();
        publish("k/retained", "kept", 1, true);
        for (int i = 0; i < 20; i++) {
            publish("k/q", "m" + i, i % 2 == 0 ? 1 : 2, false);
        }
        restart();
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(c.connect("keeper", false, 60, null).sessionPresent()).isTrue();
            Packet.Publish first = (Packet.Publish) c.next();
            assertThat(first.topic()).isEqualTo("k/retained");
            c.send(new Packet.PubAck(first.packetId(), 0, Properties.EMPTY));
            for (int i = 0; i < 20; i++) {
                Packet.Publish p = (Packet.Publish) c.next();
                assertThat(new String(p.payload(), StandardCharsets.UTF_8)).isEqualTo("m" + i);
                if (p.qos() == 1) {
                    c.send(new Packet.PubAck(p.packetId(), 0, Properties.EMPTY));
                } else {
                    c.send(new Packet.PubRec(p.packetId(), 0, Properties.EMPTY));
                    assertThat(c.next()).isInstanceOf(Packet.PubRel.class);
                    c.send(new Packet.PubComp(p.packetId(), 0, Properties.EMPTY));
                }
            }
            // the subscription itself survived: a new publish reaches it
            publish("k/new", "after", 0, false);
            assertThat(((Packet.Publish) c.next()).topic()).isEqualTo("k/new");
        }
        try (RawClient late = new RawClient(broker.port())) {
            late.connect("late");
            late.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("k/retained", 0)), Properties.EMPTY));
            late.next();
            Packet.Publish r = (Packet.Publish) late.next();
            assertThat(r.retain()).isTrue();
            assertThat(new String(r.payload(), StandardCharsets.UTF_8)).isEqualTo("kept");
        }
    }

    @Test
    void outgoingPacketIdsGoOnAfterARestartAsMosquittosDo() throws Exception {
        // Mosquitto stores a session's last_mid and numbers on from it (11-persistent-subscription-no-local);
        // any id not in use is allowed [MQTT-2.2.1-3], so Tern does the same
        start();
        persistentSubscriber("numbered", "n/t", 1).close();
        publish("n/t", "one", 1, false);
        try (RawClient c = new RawClient(broker.port())) {
            c.connect("numbered", false, 60, null);
            Packet.Publish p = (Packet.Publish) c.next();
            assertThat(p.packetId()).isEqualTo(1);
            c.send(new Packet.PubAck(p.packetId(), 0, Properties.EMPTY));
            c.send(new Packet.PingReq());
            assertThat(c.next()).isInstanceOf(Packet.PingResp.class);
        }
        restart();
        publish("n/t", "two", 1, false);
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(c.connect("numbered", false, 60, null).sessionPresent()).isTrue();
            assertThat(((Packet.Publish) c.next()).packetId()).isEqualTo(2);
        }
    }

    @Test
    void checkRetainSourceKeepsThePublisherOfARetainedMessageThroughARestart() throws Exception {
        // Mosquitto's 04-retain-check-source-persist (CVE-2018-12546): the publisher lost its write access
        // while the broker was down; its retained message must not reach a new subscriber afterwards
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "user writer\ntopic readwrite src/t\n\npattern read src/#\n");
        java.util.function.Consumer<io.tern.broker.config.BrokerConfig> conf = c -> c.persistence(true)
                .persistenceLocation(dir.toString()).persistenceFile("tern.db").checkRetainSource(true)
                .aclFile(acl.toString());
        broker = TestBroker.start(conf);
        try (RawClient w = new RawClient(broker.port())) {
            w.connect("writer-id", "writer", null);
            w.send(new Packet.Publish("src/t", 1, true, false, 1, utf8("kept"), Properties.EMPTY));
            assertThat(w.next()).isInstanceOf(Packet.PubAck.class);
        }
        broker.close();
        broker = TestBroker.start(conf);
        try (RawClient r = new RawClient(broker.port())) {
            r.connect("reader");
            r.subscribe(1, "src/t");
            assertThat(((Packet.Publish) r.next()).payload()).isEqualTo(utf8("kept")); // still allowed: delivered
        }
        broker.close();
        Files.writeString(acl, "user writer\ntopic read src/t\n\npattern read src/#\n");
        broker = TestBroker.start(conf);
        try (RawClient r = new RawClient(broker.port())) {
            r.connect("reader");
            r.subscribe(1, "src/t");
            r.send(new Packet.PingReq());
            assertThat(r.next()).isInstanceOf(Packet.PingResp.class); // and not the retained message
        }
    }

    @Test
    void outboundQos2AfterPubrecIsResentAsPubrelAfterRestart() throws Exception {
        start();
        int id;
        try (RawClient c = persistentSubscriber("q2out", "o/#", 2)) {
            publish("o/x", "once", 2, false);
            Packet.Publish p = (Packet.Publish) c.next();
            id = p.packetId();
            c.send(new Packet.PubRec(id, 0, Properties.EMPTY));
            assertThat(c.next()).isEqualTo(new Packet.PubRel(id, 0, Properties.EMPTY));
        }
        restart();
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(c.connect("q2out", false, 60, null).sessionPresent()).isTrue();
            // [MQTT-4.4.0-1]: the release is resent, never the PUBLISH: exactly once survives the restart
            assertThat(c.next()).isEqualTo(new Packet.PubRel(id, 0, Properties.EMPTY));
            c.send(new Packet.PubComp(id, 0, Properties.EMPTY));
        }
    }

    @Test
    void unacknowledgedQos1IsResentWithDupAndTheSamePacketIdAfterRestart() throws Exception {
        start();
        Packet.Publish before;
        try (RawClient c = persistentSubscriber("q1out", "o/#", 1)) {
            publish("o/y", "again", 1, false);
            before = (Packet.Publish) c.next();
        }
        restart();
        try (RawClient c = new RawClient(broker.port())) {
            c.connect("q1out", false, 60, null);
            Packet.Publish after = (Packet.Publish) c.next();
            assertThat(after.dup()).isTrue();
            assertThat(after.packetId()).isEqualTo(before.packetId());
            assertThat(after.payload()).isEqualTo(before.payload());
        }
    }

    /**
     * Messages another cluster node forwards are routed on the link's thread one after another: each one's
     * body is stored with its first queue entry, not only the first message's (a routing state left over from
     * the previous message once made every later entry point at a body that was never written).
     */
    @Test
    void everyForwardedMessageIsStoredWithItsEntryNotOnlyTheFirst() throws Exception {
        start();
        persistentSubscriber("far", "c/#", 1).close();
        ClusterEndpoint endpoint = broker.broker.clusterEndpoint();
        for (int i = 0; i < 5; i++) {
            // the same thread each time, as a member link's event loop
            endpoint.deliverFromCluster(Message.of("c/x", utf8("m" + i), 1, false), true, java.util.Set.of());
        }
        restart();
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(c.connect("far", false, 60, null).sessionPresent()).isTrue();
            for (int i = 0; i < 5; i++) {
                Packet.Publish p = (Packet.Publish) c.next();
                assertThat(p).as("message %d of 5", i + 1).isNotNull();
                assertThat(new String(p.payload(), StandardCharsets.UTF_8)).isEqualTo("m" + i);
                c.send(new Packet.PubAck(p.packetId(), 0, Properties.EMPTY));
            }
        }
    }

    @Test
    void inboundQos2AwaitingPubrelIsNotRoutedTwiceAfterRestart() throws Exception {
        start();
        persistentSubscriber("watch", "i/#", 2).close();
        try (RawClient p = new RawClient(broker.port())) {
            p.connect("q2in", false, 60, null);
            p.send(new Packet.Publish("i/x", 2, false, false, 9, utf8("one"), Properties.EMPTY));
            assertThat(p.next()).isInstanceOf(Packet.PubRec.class);
        }
        restart();
        try (RawClient p = new RawClient(broker.port())) {
            assertThat(p.connect("q2in", false, 60, null).sessionPresent()).isTrue();
            p.send(new Packet.Publish("i/x", 2, false, true, 9, utf8("one"), Properties.EMPTY));
            assertThat(p.next()).isInstanceOf(Packet.PubRec.class);
            p.send(new Packet.PubRel(9, 0, Properties.EMPTY));
            assertThat(p.next()).isInstanceOf(Packet.PubComp.class);
        }
        publish("i/marker", "end", 1, false);
        try (RawClient w = new RawClient(broker.port())) {
            w.connect("watch", false, 60, null);
            Packet.Publish first = (Packet.Publish) w.next();
            assertThat(first.topic()).isEqualTo("i/x");
            w.send(new Packet.PubRec(first.packetId(), 0, Properties.EMPTY));
            w.next();
            w.send(new Packet.PubComp(first.packetId(), 0, Properties.EMPTY));
            assertThat(((Packet.Publish) w.next()).topic()).as("no second copy").isEqualTo("i/marker");
        }
    }

    @Test
    void cleanSessionsAndSysTopicsAreNotStored() throws Exception {
        start();
        try (RawClient c = new RawClient(broker.port())) {
            c.connect("fleeting");
            c.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("f/#", 1)), Properties.EMPTY));
            c.next();
        }
        restart(0); // no $SYS publishing after the restart: anything under $SYS would have come from the store
        assertThat(broker.broker.sessions().get("fleeting")).isNull();
        assertThat(broker.broker.retained().match("$SYS/broker/uptime")).isEmpty();
    }

    @Test
    void sysTotalsContinueAfterARestart() throws Exception {
        start();
        for (int i = 0; i < 5; i++) {
            publish("t/x", "m", 0, false);
        }
        // QoS 0 has no acknowledgement: wait until the broker has read all five
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> broker.broker.stats().publishReceived.sum() >= 5);
        long received = broker.broker.stats().publishReceived.sum();
        restart();
        assertThat(broker.broker.stats().publishReceived.sum()).isEqualTo(received);
        assertThat(broker.broker.stats().connections.sum()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void groupCommitBatchesAndSyncLatencyArePublishedUnderSys() throws Exception {
        start(1);
        publish("t/x", "m", 1, false); // one acknowledgement through the group commit
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                !broker.broker.retained().match("$SYS/broker/store/sync/commits").isEmpty()
                        && Long.parseLong(new String(broker.broker.retained().match("$SYS/broker/store/sync/commits")
                        .get(0).payload(), StandardCharsets.UTF_8)) >= 1);
        for (String t : List.of("sync/batch/mean", "sync/latency_us/mean", "sync/latency_us/p99",
                "sync/latency_us/max")) {
            assertThat(broker.broker.retained().match("$SYS/broker/store/" + t)).as(t).hasSize(1);
        }
    }

    @Test
    void unreadableStoreStopsStartUpWithThePathAndWhatToDo() throws Exception {
        Path store = dir.resolve("tern.db");
        Files.createDirectories(store);
        Files.writeString(store.resolve("CURRENT"), "garbage\n");
        Files.writeString(store.resolve("MANIFEST-000001"), "not a manifest");
        assertThatThrownBy(this::start).isInstanceOf(IOException.class)
                .hasMessageContaining(store.toString());
    }
}
