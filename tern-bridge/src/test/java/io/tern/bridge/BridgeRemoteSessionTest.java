package io.tern.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.tern.broker.Broker;
import io.tern.client.MqttClient;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge's remote session across reconnects, against a remote played byte by byte as Mosquitto's
 * 06-bridge-* tests play it: Mosquitto's bridge keeps one session for all its connection attempts, so packet
 * ids go on, in-flight messages are resent with their id and DUP, a QoS 2 message the remote PUBREC'd is only
 * released (PUBREL) and never published again [MQTT-4.3.3-1], and an incoming QoS 2 message is handed on once
 * until its PUBREL [MQTT-4.3.3-3].
 */
class BridgeRemoteSessionTest {

    @TempDir
    Path dir;

    private static String section(int remotePort, String extra) {
        return "connection b\naddress 127.0.0.1:" + remotePort + "\nremote_clientid bridge-b\nnotifications false\n"
                + "restart_timeout 1\n" + extra;
    }

    @Test
    void outgoingQos2IsResentWithItsIdThenOnlyReleasedAcrossReconnects() throws Exception {
        try (RawRemote remote = new RawRemote();
             Broker local = Peers.tern(dir, "local", 0, section(remote.port(), "topic bridge/# both 2\n"));
             MqttClient pub = Peers.client(local.port(), "pub")) {
            remote.accept().handshake();
            assertThat(remote.subscribed(2)).isEqualTo(1);
            pub.publish("bridge/x", "m", 2, false).join();
            RawRemote.Raw first = remote.expect(3);
            assertThat(first.publishId()).isEqualTo(2);
            assertThat(first.dup()).isFalse();
            remote.drop(); // before PUBREC

            remote.accept().handshake();
            assertThat(remote.subscribed(2)).as("ids go on over connections").isEqualTo(3);
            RawRemote.Raw again = remote.expect(3);
            assertThat(again.publishId()).as("the same id [MQTT-4.4.0-1]").isEqualTo(2);
            assertThat(again.dup()).as("DUP [MQTT-3.3.1-1]").isTrue();
            remote.send(0x50, 0x02, 0x00, 0x02); // PUBREC
            assertThat(remote.expect(6).id()).isEqualTo(2);
            remote.drop(); // before PUBCOMP

            remote.accept().handshake();
            assertThat(remote.subscribed(2)).isEqualTo(4);
            RawRemote.Raw release = remote.read();
            assertThat(release.type()).as("PUBREL again, never the PUBLISH: " + release).isEqualTo(6);
            assertThat(release.id()).isEqualTo(2);
            remote.send(0x70, 0x02, 0x00, 0x02); // PUBCOMP

            pub.publish("bridge/y", "n", 2, false).join();
            RawRemote.Raw next = remote.expect(3);
            assertThat(next.publishTopic()).isEqualTo("bridge/y");
            assertThat(next.publishId()).isEqualTo(5);
            assertThat(next.dup()).isFalse();
        }
    }

    @Test
    void incomingQos2ResentAfterAReconnectIsHandedOnOnce() throws Exception {
        try (RawRemote remote = new RawRemote();
             Broker local = Peers.tern(dir, "local", 0, section(remote.port(), "topic bridge/# in 2\n"));
             MqttClient sub = Peers.client(local.port(), "sub")) {
            Peers.Inbox inbox = new Peers.Inbox().subscribe(sub, "bridge/#", 2);
            remote.accept().handshake();
            remote.subscribed(2);
            remote.publish("bridge/in", 2, 7, false);
            assertThat(remote.expect(5).id()).as("PUBREC").isEqualTo(7);
            assertThat(inbox.next().topic()).isEqualTo("bridge/in");
            remote.drop(); // before PUBREL

            remote.accept().handshake();
            remote.subscribed(2);
            remote.publish("bridge/in", 2, 7, true);
            assertThat(remote.expect(5).id()).as("PUBREC for the resend").isEqualTo(7);
            remote.send(0x62, 0x02, 0x00, 0x07); // PUBREL
            assertThat(remote.expect(7).id()).as("PUBCOMP").isEqualTo(7);
            remote.publish("bridge/end", 1, 8, false);
            assertThat(remote.expect(4).id()).as("PUBACK").isEqualTo(8);
            assertThat(inbox.next().topic()).as("no second copy before the marker").isEqualTo("bridge/end");
        }
    }

    @Test
    void aPingReqFromTheRemoteIsAnswered() throws Exception {
        try (RawRemote remote = new RawRemote();
             Broker local = Peers.tern(dir, "local", 0, section(remote.port(), "topic bridge/# in 0\n"))) {
            remote.accept().handshake();
            remote.subscribed(0);
            remote.send(0xC0, 0x00);
            assertThat(remote.expect(13).body()).as("PINGRESP, as Mosquitto's bridge answers").isEmpty();
        }
    }

    @Test
    void aV5BridgeSendsNoSessionExpiryUnlessAskedTo() throws Exception {
        try (RawRemote remote = new RawRemote();
             Broker local = Peers.tern(dir, "local", 0, section(remote.port(),
                     "topic bridge/# out 1\nbridge_protocol_version mqttv50\n"))) {
            RawRemote.Raw connect = remote.accept().expect(1);
            assertThat(connect.body()[7] & 0x02).as("clean start off (cleansession false)").isZero();
            assertThat(connectProperties(connect)).as("Receive Maximum 20 only, as Mosquitto 2.0.11")
                    .containsExactly(0x21, 0x00, 0x14);
        }
        try (RawRemote remote = new RawRemote();
             Broker local = Peers.tern(dir, "local2", 0, section(remote.port(),
                     "topic bridge/# out 1\nbridge_protocol_version mqttv50\nbridge_session_expiry_interval 600\n"))) {
            RawRemote.Raw connect = remote.accept().expect(1);
            assertThat(connectProperties(connect)).containsExactly(0x11, 0x00, 0x00, 0x02, 0x58, 0x21, 0x00, 0x14);
        }
    }

    /** A v5 CONNECT's properties (after name, level, flags, keep-alive). */
    private static int[] connectProperties(RawRemote.Raw connect) {
        int len = connect.body()[10] & 0xFF;
        int[] out = new int[len];
        for (int i = 0; i < len; i++) {
            out[i] = connect.body()[11 + i] & 0xFF;
        }
        return out;
    }

    @Test
    void withLocalCleanSessionNothingIsQueuedWhileTheRemoteIsDown() throws Exception {
        try (RawRemote remote = new RawRemote();
             Broker local = Peers.tern(dir, "local", 0, "connection b\naddress 127.0.0.1:" + remote.port()
                     + "\nremote_clientid bridge-b\nnotifications_local_only true\nrestart_timeout 3\n"
                     + "topic bridge/# out 1\ncleansession true\nbridge_attempt_unsubscribe false\n");
             MqttClient pub = Peers.client(local.port(), "pub")) {
            remote.accept().handshake();
            pub.publish("bridge/1", "a", 1, false).join();
            assertThat(remote.expect(3).publishTopic()).isEqualTo("bridge/1");
            remote.send(0x40, 0x02, 0x00, 0x01);
            remote.drop();
            Peers.awaitLast(local.port(), "$SYS/broker/connection/bridge-b/state", "0");
            pub.publish("bridge/2", "b", 1, false).join(); // the remote is down: dropped, as Mosquitto does
            remote.accept().handshake();
            Peers.awaitLast(local.port(), "$SYS/broker/connection/bridge-b/state", "1"); // up again
            pub.publish("bridge/3", "c", 1, false).join();
            RawRemote.Raw next = remote.expect(3);
            assertThat(next.publishTopic()).as("bridge/2 was not queued").isEqualTo("bridge/3");
        }
    }
}
