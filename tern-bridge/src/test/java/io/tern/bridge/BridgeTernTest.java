package io.tern.bridge;

import static io.tern.bridge.Peers.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tern.broker.Broker;
import io.tern.client.MqttClient;
import io.tern.client.MqttMessage;
import io.tern.codec.MqttVersion;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tern bridged to Tern: directions, prefixes, QoS, retained, loops, notifications, reconnect, failover, lazy, MQTT 5. */
class BridgeTernTest {

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

    private Broker remote(String name, int port, String conf) throws Exception {
        return keep(Peers.tern(dir, name, port, conf));
    }

    private Broker local(String bridge) throws Exception {
        return keep(Peers.tern(dir, "local", 0, bridge));
    }

    private MqttClient client(Broker b, String id) {
        return keep(Peers.client(b.port(), id));
    }

    private static String section(int remotePort, String extra) {
        return "connection b1\naddress 127.0.0.1:" + remotePort + "\nremote_clientid bridge-b1\nrestart_timeout 1\n"
                + extra;
    }

    /** Waits for the bridge's state notification on {@code b} to read {@code state}. */
    private static void awaitState(Broker b, String state) {
        Peers.awaitLast(b.port(), "$SYS/broker/connection/bridge-b1/state", state);
    }

    @Test
    void outInAndBothWithPrefixRemappingAndNoEcho() throws Exception {
        Broker r = remote("remote", 0, "");
        Broker l = local(section(r.port(), String.join("\n",
                "topic sensors/# out 1 home/ cloud/home/",
                "topic cmd/# in 2 \"\" remote/",
                "topic both/# both 2")));
        awaitState(l, "1");
        MqttClient rc = client(r, "rc");
        MqttClient lc = client(l, "lc");
        Peers.Inbox atRemote = new Peers.Inbox().subscribe(rc, "#", 2);
        Peers.Inbox atLocal = new Peers.Inbox().subscribe(lc, "#", 2);
        awaitState(r, "1");

        // out: local home/sensors/... leaves as cloud/home/sensors/...
        lc.publish("home/sensors/t1", "21.5", 1, false).join();
        MqttMessage out = atRemote.next("cloud/home/sensors/t1");
        assertThat(out.payloadAsString()).isEqualTo("21.5");
        assertThat(out.qos()).isEqualTo(1);

        // in: remote remote/cmd/... arrives as cmd/...
        rc.publish("remote/cmd/led", "on", 2, false).join();
        MqttMessage in = atLocal.next("cmd/led");
        assertThat(in.payloadAsString()).isEqualTo("on");
        assertThat(in.qos()).isEqualTo(2);

        // both: each side gets the other's message once, and nothing comes back to where it came from
        Peers.bothWaysOnce(lc, atLocal, rc, atRemote);
    }

    @Test
    void qosLevelsAndRetainedPassThrough() throws Exception {
        Broker r = remote("remote", 0, "");
        Broker l = local(section(r.port(), "topic q/# out 2\n"));
        awaitState(l, "1");
        MqttClient lc = client(l, "lc");
        MqttClient rc = keep(Peers.client(r.port(), "rc", MqttVersion.MQTT_5));
        Peers.Inbox atRemote = new Peers.Inbox();
        rc.subscribe(List.of(new io.tern.codec.Packet.Subscription("q/#", 2, false, true, 0)), Properties.EMPTY,
                atRemote.queue::add).join();
        for (int qos = 0; qos <= 2; qos++) {
            lc.publish("q/" + qos, "m" + qos, qos, false).join();
            MqttMessage m = atRemote.next("q/" + qos);
            assertThat(m.payloadAsString()).isEqualTo("m" + qos);
            assertThat(m.qos()).isEqualTo(qos);
            assertThat(m.retain()).isFalse();
        }
        // a retained message keeps its flag on the way (Retain As Published) and is retained at the remote
        lc.publish("q/retained", "kept", 1, true).join();
        assertThat(atRemote.next("q/retained").retain()).as("live retained message, flag as published").isTrue();
        MqttClient late = client(r, "late");
        Peers.Inbox lateIn = new Peers.Inbox().subscribe(late, "q/retained", 1);
        MqttMessage kept = lateIn.next();
        assertThat(kept.payloadAsString()).isEqualTo("kept");
        assertThat(kept.retain()).isTrue();
    }

    @Test
    void aRetainedMessageStoredBeforeTheBridgeStartsGoesOnceAtConnect() throws Exception {
        String persist = "persistence true\npersistence_location " + dir.resolve("local-store") + "/\n";
        Broker first = Peers.tern(dir, "first", 0, persist);
        try (MqttClient c = Peers.client(first.port(), "c")) {
            c.publish("r/test", "kept", 1, true).join();
        }
        first.close();
        Broker r = remote("remote", 0, "");
        MqttClient rc = keep(Peers.client(r.port(), "rc", MqttVersion.MQTT_5));
        Peers.Inbox atRemote = new Peers.Inbox();
        rc.subscribe(List.of(new io.tern.codec.Packet.Subscription("r/#", 1, false, true, 0)), Properties.EMPTY,
                atRemote.queue::add).join();
        Broker l = local(persist + section(r.port(), "notifications false\ntopic r/# out 1\n"));
        MqttMessage m = atRemote.next();
        assertThat(m.payloadAsString()).isEqualTo("kept");
        assertThat(m.retain()).isTrue();
        client(l, "lc").publish("r/marker", "m", 1, false).join();
        assertThat(atRemote.next().topic()).as("the retained message went once").isEqualTo("r/marker");
    }

    @Test
    void notificationsAreRetainedLocallyAndRemotelyAndTheWillSaysZero() throws Exception {
        Broker r = remote("remote", 0, "");
        Broker l = local(section(r.port(), "topic a out 0\n"));
        awaitState(l, "1");
        awaitState(r, "1");
        // the bridge goes away without DISCONNECT: the remote publishes its will, a retained 0
        open.close(l);
        awaitState(r, "0");
    }

    @Test
    void notificationTopicAndLocalOnly() throws Exception {
        Broker r = remote("remote", 0, "");
        Broker l = local(section(r.port(), "topic a out 0\nnotification_topic bridges/b1\nnotifications_local_only true\n"));
        MqttClient lc = client(l, "lc");
        Peers.Inbox state = new Peers.Inbox().subscribe(lc, "bridges/b1", 1);
        await().atMost(WAIT).until(() -> state.queue.stream().anyMatch(m -> m.payloadAsString().equals("1")));
        MqttClient rc = client(r, "rc");
        Peers.Inbox remoteState = new Peers.Inbox().subscribe(rc, "bridges/#", 1);
        rc.publish("bridges/probe", "x", 1, false).join();
        assertThat(remoteState.next().topic()).as("nothing retained on the remote before the probe")
                .isEqualTo("bridges/probe");
    }

    @Test
    void remoteRestartLosesNothingAtQos1And2() throws Exception {
        String persist = "persistence true\npersistence_location " + dir.resolve("remote-store") + "/\n";
        int port = Peers.freePort();
        Broker r = remote("remote", port, persist);
        Broker l = local(section(port, "topic data/# out 2\n"));
        awaitState(l, "1");
        MqttClient sub = MqttClient.builder().serverUri("tcp://127.0.0.1:" + port).clientId("sub")
                .cleanStart(false).automaticReconnect(Duration.ofMillis(200), Duration.ofSeconds(1)).build();
        keep(sub);
        sub.connect().join();
        Peers.Inbox atRemote = new Peers.Inbox().subscribe(sub, "data/#", 2);
        MqttClient lc = client(l, "lc");
        lc.publish("data/0", "before", 1, false).join();
        assertThat(atRemote.next().payloadAsString()).isEqualTo("before");
        // the remote has processed the subscriber's PUBACK for "before" once it answers a later packet
        sub.publish("other/sync", "x", 1, false).join();

        open.close(r);
        awaitState(l, "0");
        for (int i = 1; i <= 20; i++) {
            lc.publish("data/" + i, "m" + i, 1 + (i % 2), false).join(); // acknowledged locally while the remote is down
        }
        r = remote("remote2", port, persist);
        List<String> got = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            got.add(atRemote.next().payloadAsString());
        }
        List<String> want = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            want.add("m" + i);
        }
        assertThat(got).containsExactlyInAnyOrderElementsOf(want);
    }

    @Test
    void failoverGoesToTheSecondAddressAndBackToThePrimary() throws Exception {
        int p1 = Peers.freePort();
        Broker r1 = remote("r1", p1, "");
        Broker r2 = remote("r2", 0, "");
        Broker l = local("connection b1\naddresses 127.0.0.1:" + p1 + " 127.0.0.1:" + r2.port()
                + "\nremote_clientid bridge-b1\nrestart_timeout 1\ntopic f/# out 1\n");
        awaitState(r1, "1");
        MqttClient lc = client(l, "lc");
        open.close(r1);
        awaitState(r2, "1");
        MqttClient c2 = client(r2, "c2");
        Peers.Inbox at2 = new Peers.Inbox().subscribe(c2, "f/#", 1);
        lc.publish("f/1", "to-r2", 1, false).join();
        assertThat(at2.next().payloadAsString()).isEqualTo("to-r2");
        // the primary is back: the bridge returns to it (Mosquitto checks every 5 s)
        r1 = remote("r1b", p1, "");
        awaitState(r1, "1");
        MqttClient c1 = client(r1, "c1");
        Peers.Inbox at1 = new Peers.Inbox().subscribe(c1, "f/#", 1);
        lc.publish("f/2", "to-r1", 1, false).join();
        assertThat(at1.next().payloadAsString()).isEqualTo("to-r1");
    }

    @Test
    void roundRobinMovesOnWithoutReturning() throws Exception {
        int p1 = Peers.freePort();
        Broker r1 = remote("r1", p1, "");
        Broker r2 = remote("r2", 0, "");
        local("connection b1\naddresses 127.0.0.1:" + p1 + " 127.0.0.1:" + r2.port()
                + "\nround_robin true\nremote_clientid bridge-b1\nrestart_timeout 1\ntopic f/# out 1\n");
        awaitState(r1, "1");
        open.close(r1);
        awaitState(r2, "1");
        r1 = remote("r1b", p1, "");
        // round robin: it stays on r2 while r2 is up; when r2 goes, it is r1's turn again
        open.close(r2);
        awaitState(r1, "1");
    }

    @Test
    void lazyBridgeStartsAtTheThresholdAndStopsWhenIdle() throws Exception {
        Broker r = remote("remote", 0, "");
        MqttClient rc = client(r, "rc");
        Peers.Inbox atRemote = new Peers.Inbox().subscribe(rc, "lazy/#", 1);
        Broker l = local(section(r.port(), "topic lazy/# out 1\nstart_type lazy\nthreshold 3\nidle_timeout 2\n"));
        MqttClient lc = client(l, "lc");
        lc.publish("lazy/1", "1", 1, false).join();
        lc.publish("lazy/2", "2", 1, false).join();
        // below the threshold nothing goes: the marker shows the remote is reachable, the bridge is not on it
        rc.publish("lazy/marker", "m", 1, false).join();
        assertThat(atRemote.next().topic()).isEqualTo("lazy/marker");
        lc.publish("lazy/3", "3", 1, false).join();
        assertThat(atRemote.payloads(3)).containsExactlyInAnyOrder("1", "2", "3");
        awaitState(r, "1");
        // idle for idle_timeout: the bridge disconnects (its will says 0 at the remote)
        awaitState(r, "0");
    }

    @Test
    void mqtt5PropertiesPassThroughAV5Bridge() throws Exception {
        Broker r = remote("remote", 0, "");
        Broker l = local(section(r.port(), "bridge_protocol_version mqttv50\ntopic p/# both 1\n"));
        awaitState(r, "1");
        MqttClient rc = keep(Peers.client(r.port(), "rc", MqttVersion.MQTT_5));
        MqttClient lc = keep(Peers.client(l.port(), "lc", MqttVersion.MQTT_5));
        Peers.Inbox atRemote = new Peers.Inbox().subscribe(rc, "p/#", 1);
        Peers.Inbox atLocal = new Peers.Inbox().subscribe(lc, "p/#", 1);
        Properties props = Properties.builder()
                .put(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1)
                .put(PropertyId.CONTENT_TYPE, "application/json")
                .put(PropertyId.RESPONSE_TOPIC, "p/reply")
                .put(PropertyId.CORRELATION_DATA, "c-1".getBytes(StandardCharsets.UTF_8))
                .put(PropertyId.MESSAGE_EXPIRY_INTERVAL, 3600L)
                .userProperty("k", "v")
                .build();
        lc.publish(MqttMessage.of("p/out", "{}".getBytes(StandardCharsets.UTF_8), 1, false, props)).join();
        MqttMessage m = atRemote.next("p/out");
        assertThat(m.properties().stringValue(PropertyId.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(m.properties().stringValue(PropertyId.RESPONSE_TOPIC)).isEqualTo("p/reply");
        assertThat(m.properties().binaryValue(PropertyId.CORRELATION_DATA)).isEqualTo("c-1".getBytes(StandardCharsets.UTF_8));
        assertThat(m.properties().longValue(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0)).isBetween(3590L, 3600L);
        assertThat(m.properties().userProperties()).containsExactly(new io.tern.codec.UserProperty("k", "v"));
        assertThat(m.properties().intValue(PropertyId.PAYLOAD_FORMAT_INDICATOR, -1)).isEqualTo(1);
        rc.publish(MqttMessage.of("p/in", "x".getBytes(StandardCharsets.UTF_8), 1, false, props)).join();
        List<MqttMessage> local = atLocal.until("p/in");
        MqttMessage back = local.get(local.size() - 1);
        assertThat(back.properties().userProperties()).containsExactly(new io.tern.codec.UserProperty("k", "v"));
        assertThat(back.properties().stringValue(PropertyId.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(back.properties().stringValue(PropertyId.RESPONSE_TOPIC)).isEqualTo("p/reply");
        assertThat(back.properties().binaryValue(PropertyId.CORRELATION_DATA))
                .isEqualTo("c-1".getBytes(StandardCharsets.UTF_8));
        assertThat(back.properties().longValue(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0)).isBetween(3590L, 3600L);
        assertThat(back.properties().intValue(PropertyId.PAYLOAD_FORMAT_INDICATOR, -1)).isEqualTo(1);
        // the v5 bridge asked for No Local: p/out did not come back to the local side (only the publisher's copy)
        assertThat(local).extracting(MqttMessage::topic).containsOnlyOnce("p/out");
        assertThat(atLocal.quiet(Duration.ofMillis(300))).isTrue();
    }

    @Test
    void tlsWithACaAndAClientCertificate() throws Exception {
        io.tern.broker.transport.TestPki pki = new io.tern.broker.transport.TestPki(dir, "Bridge CA");
        io.tern.broker.transport.TestPki.Issued server = pki.server();
        io.tern.broker.transport.TestPki.Issued client = pki.client("bridge-client", "CN=bridge-b1");
        int tlsPort = Peers.freePort();
        Broker r = remote("remote", 0, "listener " + tlsPort + " 127.0.0.1\ncafile " + pki.ca.certFile()
                + "\ncertfile " + server.certFile() + "\nkeyfile " + server.keyFile() + "\nrequire_certificate true\n");
        Broker l = local("connection b1\naddress 127.0.0.1:" + tlsPort + "\nremote_clientid bridge-b1\n"
                + "restart_timeout 1\nbridge_cafile " + pki.ca.certFile() + "\nbridge_certfile " + client.certFile()
                + "\nbridge_keyfile " + client.keyFile() + "\nbridge_tls_version tlsv1.2\ntopic s/# both 1\n");
        awaitState(r, "1");
        MqttClient rc = client(r, "rc");
        Peers.Inbox atRemote = new Peers.Inbox().subscribe(rc, "s/#", 1);
        client(l, "lc").publish("s/1", "over-tls", 1, false).join();
        assertThat(atRemote.next().payloadAsString()).isEqualTo("over-tls");
    }

    @Test
    void theAclAppliesToLocalUsernameAndNotToABridgeWithoutOne() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("acl"), "user bridge\ntopic write in/#\ntopic read out/#\n"
                + "user app\ntopic readwrite #\n");
        Broker r = remote("remote", 0, "");
        String acl = "acl_file " + dir.resolve("acl") + "\n";
        Broker l = local(acl + section(r.port(), "local_username bridge\ntopic in/# in 1\ntopic other/# in 1\n"
                + "topic out/# out 1\ntopic secret/# out 1\n"));
        awaitState(r, "1");
        MqttClient app = keep(MqttClient.builder().serverUri("tcp://127.0.0.1:" + l.port()).clientId("app")
                .credentials("app", (String) null).build());
        app.connect().join();
        Peers.Inbox atLocal = new Peers.Inbox().subscribe(app, "#", 1);
        MqttClient rc = client(r, "rc");
        Peers.Inbox atRemote = new Peers.Inbox().subscribe(rc, "#", 1);
        // in: the bridge may write in/#, not other/#
        rc.publish("other/x", "denied", 1, false).join();
        rc.publish("in/x", "allowed", 1, false).join();
        assertThat(atLocal.next().topic()).isEqualTo("in/x");
        // out: the bridge may read out/#, not secret/# (its SUBSCRIBE to secret/# is refused)
        app.publish("secret/y", "denied", 1, false).join();
        app.publish("out/y", "allowed", 1, false).join();
        assertThat(atRemote.until("out/y")).extracting(MqttMessage::topic).doesNotContain("secret/y");
    }

    @Test
    void reloadKeepsTheBridge() throws Exception {
        Broker r = remote("remote", 0, "");
        Broker l = local(section(r.port(), "topic k/# out 1\n"));
        awaitState(r, "1");
        l.reload();
        MqttClient rc = client(r, "rc");
        Peers.Inbox atRemote = new Peers.Inbox().subscribe(rc, "k/#", 1);
        client(l, "lc").publish("k/1", "after-reload", 1, false).join();
        assertThat(atRemote.next().payloadAsString()).isEqualTo("after-reload");
    }
}
