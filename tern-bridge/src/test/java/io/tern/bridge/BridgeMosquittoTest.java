package io.tern.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.tern.broker.Broker;
import io.tern.broker.transport.TestPki;
import io.tern.client.MosquittoBroker;
import io.tern.client.MqttClient;
import io.tern.client.MqttMessage;
import io.tern.codec.MqttVersion;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import io.tern.codec.UserProperty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bridges between Tern and the real Mosquitto 2.0 (Debian's {@code /usr/sbin/mosquitto}, skipped where it is not
 * installed): Tern bridging to Mosquitto, Mosquitto bridging to Tern, over TCP, TLS with a CA, and TLS-PSK, and
 * MQTT 5 properties through v5 bridges of each.
 */
class BridgeMosquittoTest {

    @TempDir
    Path dir;

    private final Opened open = new Opened();

    @BeforeEach
    void needMosquitto() {
        MosquittoBroker.assumeInstalled();
    }

    @AfterEach
    void closeAll() throws Exception {
        open.close();
    }

    private <T extends AutoCloseable> T keep(T t) {
        return open.keep(t);
    }

    private MosquittoBroker mosquitto(String extra) throws Exception {
        Path d = Files.createDirectories(dir.resolve("mosquitto-" + open.size()));
        return keep(MosquittoBroker.start(d, false, extra));
    }

    private Broker tern(String conf) throws Exception {
        return keep(Peers.tern(dir, "tern-" + open.size(), 0, conf));
    }

    @Test
    void ternBridgesToMosquittoBothWaysWithPrefixesAndNoEcho() throws Exception {
        MosquittoBroker m = mosquitto("");
        Broker t = tern("connection cloud\naddress 127.0.0.1:" + m.port() + "\nremote_clientid tern-bridge\n"
                + "restart_timeout 1\ntopic sensors/# out 2 home/ site1/\ntopic cmd/# in 1 \"\" site1/\n"
                + "topic both/# both 2\n");
        Peers.awaitLast(m.port(), "$SYS/broker/connection/tern-bridge/state", "1");
        MqttClient mc = keep(Peers.client(m.port(), "mc"));
        MqttClient tc = keep(Peers.client(t.port(), "tc"));
        Peers.Inbox atMosquitto = new Peers.Inbox().subscribe(mc, "#", 2);
        Peers.Inbox atTern = new Peers.Inbox().subscribe(tc, "#", 2);

        tc.publish("home/sensors/t", "21", 2, false).join();
        MqttMessage out = atMosquitto.next("site1/sensors/t");
        assertThat(out.payloadAsString()).isEqualTo("21");
        assertThat(out.qos()).isEqualTo(2);
        mc.publish("site1/cmd/led", "on", 1, false).join();
        assertThat(atTern.next("cmd/led").payloadAsString()).isEqualTo("on");

        // Mosquitto saw the bridge bit: it does not send both/x back, nor does Tern send both/y back
        Peers.bothWaysOnce(tc, atTern, mc, atMosquitto);
    }

    @Test
    void mosquittoRestartLosesNothingAtQos1And2() throws Exception {
        MosquittoBroker m = mosquitto("persistence true\npersistence_location " + dir + "/\n");
        Broker t = tern("connection cloud\naddress 127.0.0.1:" + m.port() + "\nremote_clientid tern-bridge\n"
                + "restart_timeout 1\ntopic data/# out 2\n");
        Peers.awaitLast(m.port(), "$SYS/broker/connection/tern-bridge/state", "1");
        MqttClient sub = keep(MqttClient.builder().serverUri(m.tcpUri()).clientId("sub").cleanStart(false)
                .automaticReconnect(Duration.ofMillis(200), Duration.ofSeconds(1)).build());
        sub.connect().join();
        Peers.Inbox atMosquitto = new Peers.Inbox().subscribe(sub, "data/#", 2);
        MqttClient tc = keep(Peers.client(t.port(), "tc"));
        m.stop(); // SIGTERM: Mosquitto saves its sessions
        for (int i = 1; i <= 20; i++) {
            tc.publish("data/" + i, "m" + i, 1 + i % 2, false).join();
        }
        m.restart();
        List<String> want = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            want.add("m" + i);
        }
        assertThat(atMosquitto.payloads(20)).containsExactlyInAnyOrderElementsOf(want);
    }

    @Test
    void mosquittoBridgesToTern() throws Exception {
        Broker t = tern("");
        MosquittoBroker m = mosquitto("connection tern\naddress 127.0.0.1:" + t.port() + "\n"
                + "remote_clientid mosquitto-bridge\nrestart_timeout 1 2\n"
                + "topic up/# out 2 \"\" plant/\ntopic down/# in 1 \"\" plant/\ntopic both/# both 1\n");
        // Mosquitto publishes its state on Tern, retained, and Tern accepted its bridge CONNECT (level 0x84)
        Peers.awaitLast(t.port(), "$SYS/broker/connection/mosquitto-bridge/state", "1");
        MqttClient mc = keep(Peers.client(m.port(), "mc"));
        MqttClient tc = keep(Peers.client(t.port(), "tc"));
        Peers.Inbox atMosquitto = new Peers.Inbox().subscribe(mc, "#", 2);
        Peers.Inbox atTern = new Peers.Inbox().subscribe(tc, "#", 2);
        mc.publish("up/x", "from-mosquitto", 2, false).join();
        assertThat(atTern.next("plant/up/x").payloadAsString()).isEqualTo("from-mosquitto");
        tc.publish("plant/down/y", "from-tern", 1, false).join();
        assertThat(atMosquitto.next("down/y").payloadAsString()).isEqualTo("from-tern");

        // Tern gives Mosquitto's bridge No Local: both/y does not come back to Mosquitto
        Peers.bothWaysOnce(tc, atTern, mc, atMosquitto);
    }

    @Test
    void tlsWithACa() throws Exception {
        TestPki pki = new TestPki(dir, "Bridge CA");
        TestPki.Issued server = pki.server();
        int tlsPort = Peers.freePort();
        MosquittoBroker m = mosquitto("listener " + tlsPort + " 127.0.0.1\ncafile " + pki.ca.certFile()
                + "\ncertfile " + server.certFile() + "\nkeyfile " + server.keyFile() + "\n");
        Broker t = tern("connection cloud\naddress 127.0.0.1:" + tlsPort + "\nremote_clientid tern-tls\n"
                + "restart_timeout 1\nbridge_cafile " + pki.ca.certFile() + "\ntopic tls/# out 1\n");
        Peers.awaitLast(m.port(), "$SYS/broker/connection/tern-tls/state", "1");
        MqttClient mc = keep(Peers.client(m.port(), "mc"));
        Peers.Inbox atMosquitto = new Peers.Inbox().subscribe(mc, "tls/#", 1);
        keep(Peers.client(t.port(), "tc")).publish("tls/a", "secret", 1, false).join();
        assertThat(atMosquitto.next().payloadAsString()).isEqualTo("secret");
    }

    @Test
    void tlsPskAgainstMosquittosPskFile() throws Exception {
        String key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        Files.writeString(dir.resolve("psk.txt"), "bridge1:" + key + "\n");
        int pskPort = Peers.freePort();
        MosquittoBroker m = mosquitto("psk_file " + dir.resolve("psk.txt") + "\nlistener " + pskPort
                + " 127.0.0.1\npsk_hint hint\n");
        Broker t = tern("connection cloud\naddress 127.0.0.1:" + pskPort + "\nremote_clientid tern-psk\n"
                + "restart_timeout 1\nbridge_identity bridge1\nbridge_psk " + key + "\ntopic psk/# both 1\n");
        Peers.awaitLast(m.port(), "$SYS/broker/connection/tern-psk/state", "1");
        MqttClient mc = keep(Peers.client(m.port(), "mc"));
        MqttClient tc = keep(Peers.client(t.port(), "tc"));
        Peers.Inbox atMosquitto = new Peers.Inbox().subscribe(mc, "psk/#", 1);
        Peers.Inbox atTern = new Peers.Inbox().subscribe(tc, "psk/#", 1);
        tc.publish("psk/out", "o", 1, false).join();
        assertThat(atMosquitto.next("psk/out").payloadAsString()).isEqualTo("o");
        mc.publish("psk/in", "i", 1, false).join();
        assertThat(atTern.next("psk/in").payloadAsString()).isEqualTo("i");
    }

    @Test
    void v5PropertiesPassUnchangedBothWaysThroughTernsBridgeToMosquitto() throws Exception {
        MosquittoBroker m = mosquitto("");
        Broker t = tern("connection cloud\naddress 127.0.0.1:" + m.port() + "\nremote_clientid tern-bridge\n"
                + "restart_timeout 1\nbridge_protocol_version mqttv50\ntopic p/# both 1\n");
        Peers.awaitLast(m.port(), "$SYS/broker/connection/tern-bridge/state", "1");
        propertiesBothWays(m.port(), t.port());
    }

    @Test
    void v5PropertiesPassUnchangedBothWaysThroughMosquittosBridgeToTern() throws Exception {
        Broker t = tern("");
        MosquittoBroker m = mosquitto("connection tern\naddress 127.0.0.1:" + t.port() + "\n"
                + "remote_clientid mosquitto-bridge\nrestart_timeout 1 2\nbridge_protocol_version mqttv50\n"
                + "topic p/# both 1\n");
        Peers.awaitLast(t.port(), "$SYS/broker/connection/mosquitto-bridge/state", "1");
        propertiesBothWays(m.port(), t.port());
    }

    /** Every MQTT 5 publish property an application sets goes from either side to the other unchanged. */
    private void propertiesBothWays(int mosquittoPort, int ternPort) throws Exception {
        MqttClient mc = keep(Peers.client(mosquittoPort, "mc", MqttVersion.MQTT_5));
        MqttClient tc = keep(Peers.client(ternPort, "tc", MqttVersion.MQTT_5));
        Peers.Inbox atMosquitto = new Peers.Inbox().subscribe(mc, "p/#", 1);
        Peers.Inbox atTern = new Peers.Inbox().subscribe(tc, "p/#", 1);
        Properties props = Properties.builder()
                .put(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1)
                .put(PropertyId.MESSAGE_EXPIRY_INTERVAL, 3600L)
                .put(PropertyId.CONTENT_TYPE, "application/json")
                .put(PropertyId.RESPONSE_TOPIC, "p/reply")
                .put(PropertyId.CORRELATION_DATA, new byte[] {0, 1, (byte) 0xFF})
                .userProperty("k", "v")
                .userProperty("k", "second value of the same name")
                .userProperty("\u00fcber", "")
                .build();
        byte[] json = "{\"t\":21.5}".getBytes(StandardCharsets.UTF_8);
        tc.publish(MqttMessage.of("p/out", json, 1, false, props)).join();
        assertSameProperties(atMosquitto.next("p/out"), json);
        mc.publish(MqttMessage.of("p/in", json, 1, false, props)).join();
        assertSameProperties(atTern.next("p/in"), json);
    }

    private static void assertSameProperties(MqttMessage m, byte[] payload) {
        Properties p = m.properties();
        assertThat(m.payload()).isEqualTo(payload);
        assertThat(p.intValue(PropertyId.PAYLOAD_FORMAT_INDICATOR, -1)).isEqualTo(1);
        // the remaining lifetime [MQTT-3.3.2-6]: a second or two may have passed on the way
        assertThat(p.longValue(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0)).isBetween(3590L, 3600L);
        assertThat(p.stringValue(PropertyId.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(p.stringValue(PropertyId.RESPONSE_TOPIC)).isEqualTo("p/reply");
        assertThat(p.binaryValue(PropertyId.CORRELATION_DATA)).containsExactly(0, 1, 0xFF);
        // all of them, in order [MQTT-3.3.2-17] [MQTT-3.3.2-18]
        assertThat(p.userProperties()).containsExactly(new UserProperty("k", "v"),
                new UserProperty("k", "second value of the same name"), new UserProperty("\u00fcber", ""));
        assertThat(p.has(PropertyId.TOPIC_ALIAS)).isFalse();
    }
}
