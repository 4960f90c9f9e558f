package io.tern.broker;

import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Behaviour that needs exact control of the bytes and the socket: wills, keep-alive, redelivery, takeover. */
class RawProtocolTest {

    private TestBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private RawClient subscriber(String id, String filter, int qos) throws Exception {
        RawClient c = new RawClient(broker.port());
        assertThat(c.connect(id).reasonCode()).isZero();
        c.send(new Packet.Subscribe(1, List.of(new Packet.Subscription(filter, qos)), Properties.EMPTY));
        assertThat(c.next()).isInstanceOf(Packet.SubAck.class);
        return c;
    }

    private static Packet.Will will(String topic, String payload) {
        return new Packet.Will(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false, Properties.EMPTY);
    }

    @Test
    void willIsPublishedWhenTheConnectionIsLostWithoutDisconnect() throws Exception {
        try (RawClient sub = subscriber("watcher", "status/#", 1)) {
            RawClient dying = new RawClient(broker.port());
            dying.connect("dying", true, 60, will("status/dying", "offline"));
            dying.close(); // no DISCONNECT: network loss
            Packet.Publish p = (Packet.Publish) sub.next();
            assertThat(p.topic()).isEqualTo("status/dying");
            assertThat(new String(p.payload(), StandardCharsets.UTF_8)).isEqualTo("offline");
        }
    }

    @Test
    void willIsNotPublishedAfterDisconnect() throws Exception {
        try (RawClient sub = subscriber("watcher", "status/#", 1)) {
            try (RawClient polite = new RawClient(broker.port())) {
                polite.connect("polite", true, 60, will("status/polite", "offline"));
                polite.send(Packet.Disconnect.NORMAL); // [MQTT-3.14.4-3]
                polite.readUntilClosed();
            }
            // a marker published afterwards must be the next thing the watcher sees
            broker.broker.publish("status/marker", new byte[] {1}, 0, false);
            Packet.Publish p = (Packet.Publish) sub.next();
            assertThat(p.topic()).isEqualTo("status/marker");
        }
    }

    @Test
    void keepAliveExpiryClosesTheConnectionAndPublishesTheWill() throws Exception {
        try (RawClient sub = subscriber("watcher", "status/#", 1)) {
            try (RawClient silent = new RawClient(broker.port())) {
                silent.connect("silent", true, 1, will("status/silent", "timeout"));
                // [MQTT-3.1.2-24]: closed after 1.5 x keep-alive without a packet
                silent.readUntilClosed();
            }
            Packet.Publish p = (Packet.Publish) sub.next();
            assertThat(p.topic()).isEqualTo("status/silent");
        }
    }

    @Test
    void takeoverClosesTheOldConnectionAndPublishesItsWill() throws Exception {
        try (RawClient sub = subscriber("watcher", "status/#", 1);
             RawClient first = new RawClient(broker.port());
             RawClient second = new RawClient(broker.port())) {
            first.connect("same", true, 60, will("status/same", "taken over"));
            assertThat(second.connect("same").reasonCode()).isZero();
            first.readUntilClosed();
            Packet.Publish p = (Packet.Publish) sub.next();
            assertThat(p.topic()).isEqualTo("status/same");
        }
    }

    @Test
    void unacknowledgedQos1IsResentWithDupOnReconnectOfPersistentSession() throws Exception {
        Packet.Publish first;
        try (RawClient c = new RawClient(broker.port())) {
            c.connect("resume", false, 60, null);
            c.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("r/#", 1)), Properties.EMPTY));
            c.next();
            broker.broker.publish("r/1", "one".getBytes(StandardCharsets.UTF_8), 1, false);
            first = (Packet.Publish) c.next();
            assertThat(first.dup()).isFalse();
            // no PUBACK: drop the connection
        }
        try (RawClient c = new RawClient(broker.port())) {
            Packet.ConnAck ack = c.connect("resume", false, 60, null);
            assertThat(ack.sessionPresent()).as("[MQTT-3.2.2-2]").isTrue();
            Packet.Publish again = (Packet.Publish) c.next();
            // [MQTT-4.4.0-1] same packet id, DUP set
            assertThat(again.dup()).isTrue();
            assertThat(again.packetId()).isEqualTo(first.packetId());
            assertThat(again.payload()).isEqualTo(first.payload());
            c.send(new Packet.PubAck(again.packetId(), 0, Properties.EMPTY));
        }
    }

    @Test
    void unreleasedQos2IsResentAsPubrelOnReconnect() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.connect("q2", false, 60, null);
            c.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("r/#", 2)), Properties.EMPTY));
            c.next();
            broker.broker.publish("r/2", "two".getBytes(StandardCharsets.UTF_8), 2, false);
            Packet.Publish p = (Packet.Publish) c.next();
            c.send(new Packet.PubRec(p.packetId(), 0, Properties.EMPTY));
            assertThat(c.next()).isEqualTo(new Packet.PubRel(p.packetId(), 0, Properties.EMPTY));
        }
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(c.connect("q2", false, 60, null).sessionPresent()).isTrue();
            Packet next = c.next();
            assertThat(next).isInstanceOf(Packet.PubRel.class);
        }
    }

    @Test
    void inboundQos2IsRoutedExactlyOnceEvenWhenRepeatedBeforePubrel() throws Exception {
        try (RawClient sub = subscriber("watcher", "x/#", 2);
             RawClient pub = new RawClient(broker.port())) {
            pub.connect("pub");
            Packet.Publish p = new Packet.Publish("x/1", 2, false, false, 7, new byte[] {1}, Properties.EMPTY);
            pub.send(p);
            assertThat(pub.next()).isInstanceOf(Packet.PubRec.class);
            pub.send(new Packet.Publish("x/1", 2, false, true, 7, new byte[] {1}, Properties.EMPTY));
            assertThat(pub.next()).isInstanceOf(Packet.PubRec.class);
            pub.send(new Packet.PubRel(7, 0, Properties.EMPTY));
            assertThat(pub.next()).isInstanceOf(Packet.PubComp.class);
            Packet.Publish got = (Packet.Publish) sub.next();
            sub.send(new Packet.PubRec(got.packetId(), 0, Properties.EMPTY));
            assertThat(sub.next()).isInstanceOf(Packet.PubRel.class);
            sub.send(new Packet.PubComp(got.packetId(), 0, Properties.EMPTY));
            broker.broker.publish("x/marker", new byte[] {2}, 0, false);
            assertThat(((Packet.Publish) sub.next()).topic()).as("no second copy").isEqualTo("x/marker");
        }
    }

    @Test
    void emptyClientIdWithCleanSessionGetsAGeneratedId() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(c.connect("", true, 60, null).reasonCode()).isZero();
        }
    }

    @Test
    void emptyClientIdWithPersistentSessionIsRejected() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            // [MQTT-3.1.3-8]: CONNACK 0x02 identifier rejected, then close
            assertThat(c.connect("", false, 60, null).reasonCode()).isEqualTo(2);
            c.readUntilClosed();
        }
    }

    @Test
    void mqtt31ClientsAreServed() throws Exception {
        try (RawClient c = new RawClient(broker.port(), MqttVersion.MQTT_3_1)) {
            assertThat(c.connect("old-client").reasonCode()).isZero();
            c.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("o/#", 1)), Properties.EMPTY));
            assertThat(c.next()).isInstanceOf(Packet.SubAck.class);
        }
    }

    @Test
    void subscriberWithSmallQueueLosesQos0ButTheHeapStaysBounded() throws Exception {
        broker.close();
        broker = TestBroker.start(c -> c.maxQueuedBytes(10_000).maxQueuedMessages(0).maxInflightMessages(1));
        try (RawClient slow = subscriber("slow", "load/#", 1); RawClient pub = new RawClient(broker.port())) {
            pub.connect("pub");
            byte[] payload = new byte[1000];
            for (int i = 0; i < 200; i++) {
                pub.send(new Packet.Publish("load/x", 1, false, false, i + 1, payload, Properties.EMPTY));
                pub.next(); // PUBACK
            }
            Session s = broker.broker.sessions().get("slow");
            // one in flight (never acknowledged), the rest capped by max_queued_bytes
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> broker.broker.stats().publishDropped.sum() > 0);
            int[] queued = new int[1];
            s.executor().submit(() -> queued[0] = s.queuedCount()).get();
            assertThat(queued[0]).isLessThanOrEqualTo(10);
            assertThat(broker.broker.stats().publishDropped.sum()).isGreaterThanOrEqualTo(180);
        }
    }
}
