package io.tern.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code connection} sections read with Mosquitto 2.0's meanings and defaults (src/conf.c, src/bridge_topic.c). */
class BridgeOptionsTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreMosquittos() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "listener 1883\nconnection cloud\naddress broker.example\ntopic #\n");
        BridgeConfig b = c.bridges().get(0);
        assertThat(b.name()).isEqualTo("cloud");
        assertThat(b.addresses()).containsExactly(new BridgeConfig.Address("broker.example", 1883));
        assertThat(b.keepalive()).isEqualTo(60);
        assertThat(b.notifications()).isTrue();
        assertThat(b.notificationsLocalOnly()).isFalse();
        assertThat(b.startType()).isEqualTo(BridgeConfig.StartType.AUTOMATIC);
        assertThat(b.idleTimeout()).isEqualTo(60);
        assertThat(b.threshold()).isEqualTo(10);
        assertThat(b.tryPrivate()).isTrue();
        assertThat(b.attemptUnsubscribe()).isTrue();
        assertThat(b.outgoingRetain()).isTrue();
        assertThat(b.protocolVersion()).isEqualTo(BridgeConfig.ProtocolVersion.MQTTV311);
        assertThat(b.cleanSession()).isFalse();
        assertThat(b.localCleanSession()).isFalse();
        assertThat(b.backoffBase()).isEqualTo(5);
        assertThat(b.backoffCap()).isEqualTo(30);
        // Mosquitto: remote_clientid = HOSTNAME.NAME, local_clientid = local.REMOTE_CLIENTID
        assertThat(b.remoteClientId()).endsWith(".cloud").doesNotStartWith(".");
        assertThat(b.localClientId()).isEqualTo("local." + b.remoteClientId());
        assertThat(b.notificationTopic()).isEqualTo("$SYS/broker/connection/" + b.remoteClientId() + "/state");
        BridgeConfig.Topic t = b.topics().get(0);
        assertThat(t.direction()).isEqualTo(BridgeConfig.Direction.OUT);
        assertThat(t.qos()).isZero();
        assertThat(t.localTopic()).isEqualTo("#");
        assertThat(t.remoteTopic()).isEqualTo("#");
    }

    @Test
    void everyOptionIsRead() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, String.join("\n",
                "listener 1883",
                "connection a",
                "addresses 10.0.0.1:1884 ::1:8883 [fe80::1]:1885 host.example",
                "round_robin true",
                "topic sensors/# out 1 home/ cloud/home/",
                "topic cmd/# in 2 \"\" remote/",
                "topic \"\" both 0 local/all remote/all",
                "topic x BOTH",
                "bridge_protocol_version mqttv50",
                "cleansession true",
                "local_cleansession false",
                "clientid rid",
                "local_clientid lid",
                "username ru",
                "password rp with space",
                "local_username lu",
                "local_password lp",
                "keepalive_interval 2",
                "idle_timeout 30",
                "notifications false",
                "notifications_local_only true",
                "notification_topic bridges/a/state",
                "restart_timeout 2 20",
                "start_type lazy",
                "threshold 0",
                "try_private false",
                "bridge_attempt_unsubscribe false",
                "bridge_bind_address 127.0.0.1",
                "bridge_max_packet_size 1000",
                "bridge_outgoing_retain false",
                "bridge_cafile ca.crt",
                "bridge_certfile c.crt",
                "bridge_keyfile c.key",
                "bridge_insecure true",
                "bridge_tls_version tlsv1.2",
                "bridge_alpn mqtt",
                "listener 1884",
                "connection b",
                "address 127.0.0.1",
                "topic t",
                "bridge_identity id",
                "bridge_psk 0123abcd",
                "restart_timeout 7",
                "start_type once",
                ""));
        BridgeConfig a = c.bridges().get(0);
        assertThat(a.addresses()).containsExactly(new BridgeConfig.Address("10.0.0.1", 1884),
                new BridgeConfig.Address("::1", 8883), new BridgeConfig.Address("fe80::1", 1885),
                new BridgeConfig.Address("host.example", 1883));
        assertThat(a.roundRobin()).isTrue();
        assertThat(a.topics()).extracting(BridgeConfig.Topic::localTopic, BridgeConfig.Topic::remoteTopic)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("home/sensors/#", "cloud/home/sensors/#"),
                        org.assertj.core.groups.Tuple.tuple("cmd/#", "remote/cmd/#"),
                        org.assertj.core.groups.Tuple.tuple("local/all", "remote/all"),
                        org.assertj.core.groups.Tuple.tuple("x", "x"));
        assertThat(a.topics()).extracting(BridgeConfig.Topic::direction).containsExactly(BridgeConfig.Direction.OUT,
                BridgeConfig.Direction.IN, BridgeConfig.Direction.BOTH, BridgeConfig.Direction.BOTH);
        assertThat(a.topics()).extracting(BridgeConfig.Topic::qos).containsExactly(1, 2, 0, 0);
        // Mosquitto's remapping: the remote prefix comes off, the local one goes on (and back)
        assertThat(a.topics().get(0).toRemote("home/sensors/t1")).isEqualTo("cloud/home/sensors/t1");
        assertThat(a.topics().get(0).toLocal("cloud/home/sensors/t1")).isEqualTo("home/sensors/t1");
        assertThat(a.topics().get(1).toLocal("remote/cmd/x")).isEqualTo("cmd/x");
        assertThat(a.topics().get(2).toLocal("remote/all")).isEqualTo("local/all");
        assertThat(a.protocolVersion()).isEqualTo(BridgeConfig.ProtocolVersion.MQTTV50);
        assertThat(a.cleanSession()).isTrue();
        assertThat(a.localCleanSession()).isFalse();
        assertThat(a.remoteClientId()).isEqualTo("rid");
        assertThat(a.localClientId()).isEqualTo("lid");
        assertThat(a.remoteUsername()).isEqualTo("ru");
        assertThat(a.remotePassword()).isEqualTo("rp with space");
        assertThat(a.localUsername()).isEqualTo("lu");
        assertThat(a.localPassword()).isEqualTo("lp");
        assertThat(a.keepalive()).isEqualTo(5);
        assertThat(a.idleTimeout()).isEqualTo(30);
        assertThat(a.notifications()).isFalse();
        assertThat(a.notificationsLocalOnly()).isTrue();
        assertThat(a.notificationTopic()).isEqualTo("bridges/a/state");
        assertThat(a.backoffBase()).isEqualTo(2);
        assertThat(a.backoffCap()).isEqualTo(20);
        assertThat(a.startType()).isEqualTo(BridgeConfig.StartType.LAZY);
        assertThat(a.threshold()).isEqualTo(1);
        assertThat(a.tryPrivate()).isFalse();
        assertThat(a.attemptUnsubscribe()).isFalse();
        assertThat(a.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(a.maxPacketSize()).isEqualTo(1000);
        assertThat(a.outgoingRetain()).isFalse();
        assertThat(a.cafile()).isEqualTo("ca.crt");
        assertThat(a.certfile()).isEqualTo("c.crt");
        assertThat(a.keyfile()).isEqualTo("c.key");
        assertThat(a.insecure()).isTrue();
        assertThat(a.tlsVersion()).isEqualTo("tlsv1.2");
        assertThat(a.alpn()).isEqualTo("mqtt");
        assertThat(a.usesCertificateTls()).isTrue();

        BridgeConfig b = c.bridges().get(1);
        assertThat(b.location()).isEqualTo(new Location(dir.resolve("tern.conf"), 38));
        assertThat(b.usesPsk()).isTrue();
        assertThat(b.identity()).isEqualTo("id");
        assertThat(b.psk()).isEqualTo("0123abcd");
        assertThat(b.restartTimeout()).isEqualTo(7);
        assertThat(b.backoffCap()).isZero();
        assertThat(b.startType()).isEqualTo(BridgeConfig.StartType.ONCE);

        assertThat(c.warnings()).extracting(ConfigProblem::toString).anyMatch(w -> w.contains("keepalive interval too low"))
                .anyMatch(w -> w.contains("threshold too low")).anyMatch(w -> w.contains("using insecure mode"));
        // listener options after a connection line still belong to the listener
        assertThat(c.listeners()).hasSize(2);
    }

    @Test
    void aGoodBridgeSectionPassesTheCheck() {
        Path file = ConfigFiles.write(dir, "tern.conf",
                "listener 1883\nallow_anonymous true\nconnection x\naddress 127.0.0.1:1884\ntopic # both 2\n");
        assertThat(ConfigParser.check(file)).isEmpty();
    }
}
