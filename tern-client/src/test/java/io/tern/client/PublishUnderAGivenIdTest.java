package io.tern.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.codec.Packet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Publishing under the application's packet id (a bridge forwarding under its local session's ids), against the
 * Tern broker in this JVM, with the client's packets seen through {@link PacketTrace}: the id goes on the wire as
 * given, QoS 2 stops at PUBREC until {@link MqttClient#release(int)}, a release of an id the session does not
 * know (its PUBLISH went before a restart) is PUBREL only [MQTT-4.4.0-1], and a publish whose id a SUBSCRIBE holds
 * waits for the SUBACK (a packet id names one flow at a time [MQTT-2.2.1-3]).
 */
class PublishUnderAGivenIdTest {

    private TernBroker broker;
    private final List<MqttClient> clients = new ArrayList<>();
    /** What the client under test sent ("> TYPE id") and received ("< TYPE id"), in order, and test markers. */
    private final List<String> wire = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = TernBroker.start();
    }

    @AfterEach
    void stop() {
        clients.forEach(MqttClient::close);
        broker.close();
    }

    private MqttClient traced(SessionState session) {
        MqttClient c = MqttClient.builder().serverUri(broker.tcpUri()).clientId("given-ids").cleanStart(false)
                .sessionState(session).packetTrace(new PacketTrace() {
                    @Override
                    public void sent(String clientId, Packet p) {
                        wire.add("> " + describe(p));
                    }

                    @Override
                    public void received(String clientId, Packet p) {
                        wire.add("< " + describe(p));
                    }
                }).build();
        clients.add(c);
        c.connect().join();
        return c;
    }

    private static String describe(Packet p) {
        int id = p instanceof Packet.Publish x ? x.packetId()
                : p instanceof Packet.PubRec x ? x.packetId()
                : p instanceof Packet.PubRel x ? x.packetId()
                : p instanceof Packet.PubComp x ? x.packetId()
                : p instanceof Packet.Subscribe x ? x.packetId()
                : p instanceof Packet.SubAck x ? x.packetId()
                : p instanceof Packet.PubAck x ? x.packetId() : 0;
        return p.type() + " " + id;
    }

    private LinkedBlockingQueue<MqttMessage> subscriber(String filter) {
        MqttClient c = MqttClient.builder().serverUri(broker.tcpUri()).clientId("sub-" + filter.hashCode()).build();
        clients.add(c);
        c.connect().join();
        LinkedBlockingQueue<MqttMessage> q = new LinkedBlockingQueue<>();
        c.subscribe(filter, 2, q::add).join();
        return q;
    }

    @Test
    void qos2GoesUnderTheGivenIdAndItsPubrelWaitsForRelease() throws Exception {
        LinkedBlockingQueue<MqttMessage> got = subscriber("given/#");
        MqttClient c = traced(new SessionState());
        c.publish(MqttMessage.of("given/a", "x".getBytes(StandardCharsets.UTF_8), 2, false), 300, false)
                .get(10, TimeUnit.SECONDS); // at PUBREC
        wire.add("released");
        c.release(300).get(10, TimeUnit.SECONDS); // at PUBCOMP
        assertThat(wire).containsSubsequence("> PUBLISH 300", "< PUBREC 300", "released", "> PUBREL 300",
                "< PUBCOMP 300");
        assertThat(wire).filteredOn(s -> s.startsWith("> PUBREL")).hasSize(1);
        assertThat(got.poll(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(got.poll(300, TimeUnit.MILLISECONDS)).as("once").isNull();
    }

    @Test
    void aReleaseOfAnIdTheSessionDoesNotKnowIsPubrelOnly() throws Exception {
        MqttClient c = traced(new SessionState());
        c.release(41).get(10, TimeUnit.SECONDS);
        assertThat(wire).containsSubsequence("> PUBREL 41", "< PUBCOMP 41");
        assertThat(wire).noneMatch(s -> s.startsWith("> PUBLISH"));
    }

    @Test
    void aPublishWhoseIdASubscribeHoldsWaitsForTheSuback() throws Exception {
        SessionState session = new SessionState();
        session.packetIdsFrom(() -> 77); // the SUBSCRIBE gets 77, as a bridge's from its local numbering
        MqttClient c = traced(session);
        var subscribed = c.subscribe("other/#", 1, m -> { });
        var published = c.publish(MqttMessage.of("given/b", new byte[0], 1, false), 77, false);
        subscribed.get(10, TimeUnit.SECONDS);
        published.get(10, TimeUnit.SECONDS);
        assertThat(wire).containsSubsequence("> SUBSCRIBE 77", "< SUBACK 77", "> PUBLISH 77", "< PUBACK 77");
    }

    @Test
    void aGivenIdNeedsASessionState() {
        MqttClient c = MqttClient.builder().serverUri(broker.tcpUri()).clientId("plain").build();
        clients.add(c);
        assertThatThrownBy(() -> c.publish(MqttMessage.of("given/c", new byte[0], 1, false), 5, false).join())
                .hasCauseInstanceOf(IllegalStateException.class);
    }
}
