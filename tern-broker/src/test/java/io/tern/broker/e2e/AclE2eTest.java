package io.tern.broker.e2e;

import io.tern.broker.RawClient;
import io.tern.broker.Broker;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@code acl_file} through the real broker. To show a message was not delivered without waiting for
 * nothing, the publisher follows it with an allowed "fence" message: the broker keeps one connection's
 * messages in order, so a subscriber that gets the fence first never gets the denied one.
 */
class AclE2eTest {

    static final String ACL = """
            # anonymous clients: read the public tree only
            topic read public/#

            user admin
            topic readwrite #

            user alice
            topic readwrite alice/#
            topic write sensors/#
            topic write public/#

            user bob
            topic read bob/#
            topic read sensors/#
            topic deny sensors/secret/#

            # every client: its own tree by client id, an inbox by username
            pattern readwrite clients/%c/#
            pattern read users/%u/inbox
            """;

    @TempDir
    Path dir;
    private Broker broker;
    private String uri;
    private int port;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(dir.resolve("acl"), ACL);
        // no password file: usernames are taken as given (Mosquitto 2.0 with allow_anonymous true does the same);
        // the password path has its own tests
        // deny_unreadable_subscriptions: SUBACK 0x80 for a filter the client can never read; the default
        // (Mosquitto's: granted, nothing delivered) is pinned in anUnreadableFilterIsGrantedByDefaultAsInMosquitto
        broker = Brokers.fromConfig(dir, "listener " + Brokers.freePort() + " 127.0.0.1\n"
                + "allow_anonymous true\n"
                + "deny_unreadable_subscriptions true\n"
                + "acl_file acl\n");
        port = broker.port();
        uri = "tcp://127.0.0.1:" + port;
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void aDeniedPublishIsAcknowledgedAndDroppedAndTheClientStaysConnected() throws Exception {
        try (PahoClient admin = PahoClient.connect(uri, "admin-1", "admin", null);
             PahoClient alice = PahoClient.connect(uri, "alice-1", "alice", null)) {
            assertThat(admin.subscribe("#", 1)).isEqualTo(1);
            // QoS 1: Paho's publish returns only after the PUBACK, so the broker acknowledged it
            alice.publish("bob/private", "not for alice to write", 1);
            alice.publish("alice/fence", "fence", 1);
            assertThat(admin.next()).isEqualTo("alice/fence fence");
            assertThat(alice.client.isConnected()).isTrue();
        }
    }

    @Test
    void aDeniedPublishIsAnsweredNotAuthorisedInMqtt5() throws Exception {
        try (RawClient alice = new RawClient(port, MqttVersion.MQTT_5)) {
            assertThat(alice.connect("alice-5", "alice", null).reasonCode()).isZero();
            alice.send(new Packet.Publish("bob/private", 1, false, false, 7, "x".getBytes(StandardCharsets.UTF_8),
                    Properties.EMPTY));
            Packet ack = alice.next();
            assertThat(ack).isInstanceOf(Packet.PubAck.class);
            assertThat(((Packet.PubAck) ack).reasonCode()).isEqualTo(0x87);
            alice.send(new Packet.Publish("alice/ok", 1, false, false, 8, "y".getBytes(StandardCharsets.UTF_8),
                    Properties.EMPTY));
            // allowed, and nobody subscribed: 0x10 No matching subscribers, as Mosquitto answers
            assertThat(((Packet.PubAck) alice.next()).reasonCode()).isEqualTo(0x10);
        }
    }

    @Test
    void anUnreadableFilterIsGrantedByDefaultAsInMosquitto() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("default"));
        Files.writeString(sub.resolve("acl"), ACL);
        try (Broker plain = Brokers.fromConfig(sub, "listener " + Brokers.freePort() + " 127.0.0.1\n"
                + "allow_anonymous true\nacl_file acl\n");
             RawClient bob = new RawClient(plain.port(), MqttVersion.MQTT_3_1_1);
             PahoClient alice = PahoClient.connect("tcp://127.0.0.1:" + plain.port(), "alice-1", "alice", null)) {
            assertThat(bob.connect("bob-1", "bob", null).reasonCode()).isZero();
            // Mosquitto 2.0 grants every SUBSCRIBE and checks read access per message
            assertThat(bob.subscribe(1, "sensors/secret/#").reasonCodes()).containsExactly(1);
            alice.publish("sensors/secret/door", "denied to bob", 1);
            bob.send(Packet.PingReq.INSTANCE);
            assertThat(bob.next()).isInstanceOf(Packet.PingResp.class);
        }
    }

    @Test
    void aMessageTheSubscriberMayNotReadIsNotDelivered() throws Exception {
        try (PahoClient bob = PahoClient.connect(uri, "bob-1", "bob", null);
             PahoClient alice = PahoClient.connect(uri, "alice-1", "alice", null)) {
            // bob may read sensors/# except sensors/secret/#: the filter is granted
            assertThat(bob.subscribe("sensors/#", 1)).isEqualTo(1);
            alice.publish("sensors/secret/door", "denied to bob", 1);
            alice.publish("sensors/hall/temp", "21.5", 1);
            assertThat(bob.next()).isEqualTo("sensors/hall/temp 21.5");
        }
    }

    @Test
    void aMessageQueuedForAnOfflineClientIsFilteredByTheAclToo() throws Exception {
        try (PahoClient bob = PahoClient.connect(uri, "bob-p", "bob", null, null, false)) {
            assertThat(bob.subscribe("sensors/#", 1)).isEqualTo(1);
        }
        try (PahoClient alice = PahoClient.connect(uri, "alice-1", "alice", null)) {
            alice.publish("sensors/secret/door", "denied to bob", 1);
            alice.publish("sensors/hall/temp", "queued", 1);
        }
        try (PahoClient bob = PahoClient.connect(uri, "bob-p", "bob", null, null, false)) {
            assertThat(bob.next()).isEqualTo("sensors/hall/temp queued");
        }
    }

    @Test
    void aRetainedMessageTheSubscriberMayNotReadIsNotSent() throws Exception {
        try (PahoClient alice = PahoClient.connect(uri, "alice-1", "alice", null)) {
            alice.client.publish("sensors/secret/door", "closed".getBytes(StandardCharsets.UTF_8), 1, true);
            alice.client.publish("sensors/hall/temp", "22".getBytes(StandardCharsets.UTF_8), 1, true);
        }
        try (PahoClient bob = PahoClient.connect(uri, "bob-1", "bob", null)) {
            assertThat(bob.subscribe("sensors/#", 1)).isEqualTo(1);
            assertThat(bob.next()).isEqualTo("sensors/hall/temp 22");
            // the retained messages of one SUBSCRIBE arrive together; a fence closes the window
            bob.subscribe("bob/fence", 1);
            try (PahoClient admin = PahoClient.connect(uri, "admin-1", "admin", null)) {
                admin.publish("bob/fence", "fence", 1);
            }
            assertThat(bob.next()).isEqualTo("bob/fence fence");
        }
    }

    @Test
    void subscribingToAFilterTheClientCanNeverReadIsRefused() throws Exception {
        // Tern refuses (0x80) what Mosquitto 2.0.11 would grant and then never deliver
        try (RawClient bob = new RawClient(port, MqttVersion.MQTT_3_1_1)) {
            assertThat(bob.connect("bob-1", "bob", null).reasonCode()).isZero();
            Packet.SubAck ack = bob.subscribe(1, "bob/#", "alice/#", "sensors/secret/#", "sensors/+/temp");
            assertThat(ack.reasonCodes()).containsExactly(1, 0x80, 0x80, 1);
        }
        try (RawClient bob = new RawClient(port, MqttVersion.MQTT_5)) {
            assertThat(bob.connect("bob-5", "bob", null).reasonCode()).isZero();
            assertThat(bob.subscribe(1, "alice/#", "bob/x").reasonCodes()).containsExactly(0x87, 1);
        }
        try (PahoClient anonymous = PahoClient.connect(uri, "anon-1", null, null)) {
            assertThat(anonymous.subscribe("public/#", 1)).isEqualTo(1);
            assertThat(anonymous.subscribe("alice/#", 1)).isEqualTo(0x80);
        }
    }

    @Test
    void patternsGiveEachClientItsOwnTreeByClientIdAndUsername() throws Exception {
        try (PahoClient carol = PahoClient.connect(uri, "dev-1", "carol", null);
             PahoClient admin = PahoClient.connect(uri, "admin-1", "admin", null)) {
            assertThat(carol.subscribe("clients/dev-1/#", 1)).isEqualTo(1);
            assertThat(carol.subscribe("users/carol/inbox", 1)).isEqualTo(1);
            assertThat(carol.subscribe("clients/dev-2/#", 1)).isEqualTo(0x80);
            assertThat(carol.subscribe("users/dave/inbox", 1)).isEqualTo(0x80);

            assertThat(admin.subscribe("clients/#", 1)).isEqualTo(1);
            carol.publish("clients/dev-2/cmd", "not mine", 1);
            carol.publish("users/carol/inbox", "read-only for carol", 1);
            carol.publish("clients/dev-1/state", "mine", 1);
            assertThat(admin.next()).isEqualTo("clients/dev-1/state mine");
            assertThat(carol.next()).isEqualTo("clients/dev-1/state mine");

            admin.publish("users/carol/inbox", "hello carol", 1);
            assertThat(carol.next()).isEqualTo("users/carol/inbox hello carol");
        }
    }

    @Test
    void aClientIdWithWildcardsGetsNothingFromPatterns() throws Exception {
        try (RawClient sly = new RawClient(port, MqttVersion.MQTT_3_1_1)) {
            assertThat(sly.connect("dev-#", "carol", null).reasonCode()).isZero();
            // %c would otherwise expand to clients/dev-#/#
            assertThat(sly.subscribe(1, "clients/dev-1/x").reasonCodes()).isEqualTo(List.of(0x80));
        }
    }

    @Test
    void aSharedSubscriptionGivesEachMessageToAMemberThatMayReadIt() throws Exception {
        // bob may not read sensors/secret/#, admin may: a group of both must never pick bob for it
        try (PahoClient admin = PahoClient.connect(uri, "admin-2", "admin", null);
             PahoClient bob = PahoClient.connect(uri, "bob-2", "bob", null);
             PahoClient alice = PahoClient.connect(uri, "alice-2", "alice", null)) {
            assertThat(admin.subscribe("$share/g/sensors/#", 1)).isEqualTo(1);
            assertThat(bob.subscribe("$share/g/sensors/#", 1)).isEqualTo(1);
            for (int i = 0; i < 6; i++) {
                alice.publish("sensors/secret/" + i, "s" + i, 1);
            }
            for (int i = 0; i < 6; i++) {
                assertThat(admin.next()).isEqualTo("sensors/secret/" + i + " s" + i);
            }
            assertThat(bob.poll(Duration.ofMillis(300))).isNull();
        }
    }
}
