package io.tern.broker;

import io.tern.broker.config.PersistenceSync;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session that another cluster node handed over continues here durably: the messages that moved with it (in
 * flight with their packet ids, released QoS 2, queued) are in this node's store before CONNACK, so a restart of
 * this node before the client acknowledged them loses none. The cluster side is a stand-in that hands over one
 * prepared session, so only the broker's part of the hand-over is under test.
 */
class HandOverPersistenceTest {

    @TempDir
    Path dir;

    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private void start() throws IOException {
        broker = TestBroker.start(c -> c.persistence(true).persistenceLocation(dir.toString())
                .persistenceFile("tern.db").persistenceSync(PersistenceSync.BATCH).maxInflightMessages(2));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Packet.Publish p) {
        return new String(p.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void messagesThatMovedWithASessionSurviveARestartOfTheNewNode() throws Exception {
        start();
        SessionState moved = new SessionState("mover", 4, -1,
                List.of(new SessionState.Subscription("h/#", 2, false, false, 0, 0)),
                List.of(new SessionState.Pending(Message.of("h/a", utf8("in-flight"), 1, false), 1, false, null, 7,
                                false),
                        new SessionState.Pending(Message.of("h/b", utf8("released"), 2, false), 2, false, null, 8,
                                true),
                        new SessionState.Pending(Message.of("h/c", utf8("queued"), 1, false), 1, false, null, 0,
                                false)));
        broker.broker.joinCluster(new HandsOver(moved));
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(c.connect("mover", false, 60, null).sessionPresent()).isTrue();
            Packet.Publish resent = (Packet.Publish) c.next();
            assertThat(resent.packetId()).isEqualTo(7);
            assertThat(c.next()).isEqualTo(new Packet.PubRel(8, 0, Properties.EMPTY));
            // nothing acknowledged: all three are still the broker's to deliver
        }
        broker.close();
        broker = null;
        start(); // no cluster now: what comes back is what this node stored
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(c.connect("mover", false, 60, null).sessionPresent()).isTrue();
            // [MQTT-4.4.0-1]: unacknowledged PUBLISH resent with its packet id, PUBREL for the released one
            Packet.Publish again = (Packet.Publish) c.next();
            assertThat(again.packetId()).isEqualTo(7);
            assertThat(again.dup()).isTrue();
            assertThat(text(again)).isEqualTo("in-flight");
            assertThat(c.next()).isEqualTo(new Packet.PubRel(8, 0, Properties.EMPTY));
            c.send(new Packet.PubAck(7, 0, Properties.EMPTY));
            Packet.Publish queued = (Packet.Publish) c.next();
            assertThat(text(queued)).isEqualTo("queued");
            assertThat(queued.qos()).isEqualTo(1);
            c.send(new Packet.PubAck(queued.packetId(), 0, Properties.EMPTY));
            c.send(new Packet.PubComp(8, 0, Properties.EMPTY));
            c.send(Packet.PingReq.INSTANCE);
            assertThat(c.next()).isInstanceOf(Packet.PingResp.class); // the acknowledgements before it are handled
        }
        broker.close();
        broker = null;
        start();
        assertThat(broker.broker.sessions().get("mover").durableCount())
                .as("all acknowledged: nothing left in the store").isZero();
    }

    /** The cluster as far as this test needs it: the first connect of the client gets the prepared session. */
    private static final class HandsOver implements io.tern.broker.extension.ClusterRouting {
        private SessionState state;

        HandsOver(SessionState state) {
            this.state = state;
        }

        @Override
        public void connecting(String clientId, boolean cleanStart, Consumer<SessionState> proceed) {
            SessionState s = state;
            state = null;
            proceed.accept(s);
        }

        @Override
        public void published(Message msg) {
        }

        @Override
        public boolean sharedHere(String group, String filter, Message msg) {
            return true;
        }

        @Override
        public void subscribed(String clientId, SessionState.Subscription subscription, boolean added) {
        }

        @Override
        public void unsubscribed(String clientId, String filter) {
        }

        @Override
        public void attached(String clientId, MqttVersion version, long expirySeconds, Packet.Will will) {
        }

        @Override
        public void detached(String clientId, boolean ended) {
        }

        @Override
        public void ended(String clientId) {
        }
    }
}
