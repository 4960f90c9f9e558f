package io.tern.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tern.broker.Broker;
import io.tern.client.MosquittoBroker;
import io.tern.client.MqttClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QoS 2 through a bridge stays exactly once when the link breaks mid-flight [MQTT-4.3.3-1..3], both ways,
 * to the real Mosquitto 2.0 and to Tern: a proxy between the bridge and the remote cuts the connection right
 * after a PUBREC (outgoing: the remote has the message, so after the reconnect the bridge only sends PUBREL) or
 * swallows one (incoming: the remote sends the PUBLISH again with DUP, and the bridge must not hand it on a
 * second time), and the far subscriber counts every message exactly once. Incoming also across a restart of
 * the bridging Tern (persistence on): the PUBRECs it sent are lost with the link, it stops before it reconnects,
 * and once it is back from its store the remote sends those PUBLISHes again to a bridge that remembers nothing in
 * memory; this broker's own session, which holds the remote's QoS 2 ids until their PUBREL, must recognise them.
 * Outgoing across a restart too: the proxy swallows the remote's 5th PUBREC or PUBCOMP and cuts the link, the
 * bridging Tern stops and comes back from its store, and its local session's resends (same packet id, DUP, or only
 * PUBREL for what the remote PUBREC'd) must meet the remote's session as the same flows [MQTT-4.3.3-1..3],
 * [MQTT-4.4.0-1]: a Tern remote, which hands a message on at PUBLISH and holds its id until PUBREL, would deliver a
 * resend under another id twice (or swallow a new message that reuses a held id), Mosquitto, which hands it on at
 * PUBREL, would deliver twice a message whose PUBCOMP was lost.
 */
class BridgeExactlyOnceTest {

    private static final int MESSAGES = 20;

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

    private int mosquittoRemote() throws Exception {
        MosquittoBroker.assumeInstalled();
        return keep(MosquittoBroker.start(Files.createDirectories(dir.resolve("mosquitto")), false, "")).port();
    }

    private int ternRemote() throws Exception {
        return keep(Peers.tern(dir, "remote", 0, "")).port();
    }

    /** A bridging Tern with persistence in {@code local-store} and the remote session kept; no reconnect for 30 s. */
    private String persistentBridge(int proxyPort, String topics) {
        return "persistence true\npersistence_location " + dir.resolve("local-store") + "/\n"
                + "connection b\naddress 127.0.0.1:" + proxyPort + "\nremote_clientid bridge-eo\n"
                + "cleansession false\nnotifications false\nrestart_timeout 30\n" + topics;
    }

    private Broker localBridgingTo(int proxyPort) throws Exception {
        return keep(Peers.tern(dir, "local", 0, "connection b\naddress 127.0.0.1:" + proxyPort
                + "\nremote_clientid bridge-eo\nnotifications false\nrestart_timeout 1\n"
                + "topic out/# out 2\ntopic in/# in 2\n"));
    }

    @Test
    void outgoingQos2ToMosquittoOnceWhenTheLinkBreaksAfterAPubrec() throws Exception {
        outgoing(mosquittoRemote());
    }

    @Test
    void outgoingQos2ToTernOnceWhenTheLinkBreaksAfterAPubrec() throws Exception {
        outgoing(ternRemote());
    }

    @Test
    void incomingQos2FromMosquittoOnceWhenAPubrecIsLost() throws Exception {
        incoming(mosquittoRemote());
    }

    @Test
    void incomingQos2FromTernOnceWhenAPubrecIsLost() throws Exception {
        incoming(ternRemote());
    }

    @Test
    void incomingQos2FromMosquittoOnceAcrossARestartOfTheBridgingBroker() throws Exception {
        incomingAcrossARestart(mosquittoRemote());
    }

    @Test
    void incomingQos2FromTernOnceAcrossARestartOfTheBridgingBroker() throws Exception {
        incomingAcrossARestart(ternRemote());
    }

    @Test
    void outgoingQos2ToMosquittoOnceAcrossARestartWhenAPubcompIsLost() throws Exception {
        outgoingAcrossARestart(mosquittoRemote(), PUBCOMP);
    }

    @Test
    void outgoingQos2ToMosquittoOnceAcrossARestartWhenAPubrecIsLost() throws Exception {
        outgoingAcrossARestart(mosquittoRemote(), PUBREC);
    }

    @Test
    void outgoingQos2ToTernOnceAcrossARestartWhenAPubcompIsLost() throws Exception {
        outgoingAcrossARestart(ternRemote(), PUBCOMP);
    }

    @Test
    void outgoingQos2ToTernOnceAcrossARestartWhenAPubrecIsLost() throws Exception {
        // the remote holds that id until PUBREL and recognises a resend by the id alone: the restarted bridge
        // must send it under the same id, and must not give a new message an id the remote still holds
        outgoingAcrossARestart(ternRemote(), PUBREC);
    }

    private static final int PUBREC = 5;
    private static final int PUBCOMP = 7;

    private void outgoingAcrossARestart(int remotePort, int lostType) throws Exception {
        // the remote's 5th PUBREC / PUBCOMP never reaches the bridge; it waits 30 s before it would reconnect
        CuttingProxy proxy = keep(new CuttingProxy(remotePort, false, lostType, 5, false));
        MqttClient far = keep(Peers.client(remotePort, "far"));
        Peers.Inbox inbox = new Peers.Inbox().subscribe(far, "out/#", 2);
        int localPort = Peers.freePort();
        String conf = persistentBridge(proxy.port(), "topic out/# out 2\n");
        Broker local = keep(Peers.tern(dir, "local", localPort, conf));
        try (MqttClient pub = Peers.client(localPort, "pub")) {
            awaitBridged(pub, "out/probe", inbox);
            for (int i = 0; i < MESSAGES; i++) {
                pub.publish("out/" + i, "m" + i, 2, false).join();
            }
        }
        await().atMost(Peers.WAIT).until(proxy::didCut);
        open.close(local); // the bridge's remote session state goes with it; the local session's is in the store
        keep(Peers.tern(dir, "local-again", localPort, conf));
        assertExactlyOnce(inbox, "out/", proxy);
    }

    private void incomingAcrossARestart(int remotePort) throws Exception {
        // the bridge's 5th PUBREC never reaches the remote; the bridge waits 30 s before it would reconnect
        CuttingProxy proxy = keep(new CuttingProxy(remotePort, true, 5, 5, false));
        int localPort = Peers.freePort();
        String conf = persistentBridge(proxy.port(), "topic in/# in 2\n");
        Broker local = keep(Peers.tern(dir, "local", localPort, conf));
        MqttClient near = keep(MqttClient.builder().serverUri("tcp://127.0.0.1:" + localPort).clientId("near")
                .cleanStart(false).automaticReconnect(Duration.ofMillis(200), Duration.ofSeconds(1)).build());
        near.connect().join();
        Peers.Inbox inbox = new Peers.Inbox().subscribe(near, "in/#", 2);
        MqttClient pub = keep(Peers.client(remotePort, "remote-pub"));
        awaitBridged(pub, "in/probe", inbox);
        for (int i = 0; i < MESSAGES; i++) {
            pub.publish("in/" + i, "m" + i, 2, false).join();
        }
        await().atMost(Peers.WAIT).until(proxy::didCut);
        open.close(local); // before the bridge's restart timeout: nothing of its remote session survives
        keep(Peers.tern(dir, "local-again", localPort, conf));
        assertExactlyOnce(inbox, "in/", proxy);
    }

    @Test
    void aNewRemoteSessionAfterARestartIsNotSwallowedByIdsHeldFromTheOldOne() throws Exception {
        int remotePort = Peers.freePort();
        Broker remote = keep(Peers.tern(dir, "remote", remotePort, ""));
        CuttingProxy proxy = keep(new CuttingProxy(remotePort, true, 5, 5, false));
        int localPort = Peers.freePort();
        String conf = persistentBridge(proxy.port(), "topic in/# in 2\n");
        Broker local = keep(Peers.tern(dir, "local", localPort, conf));
        MqttClient near = keep(MqttClient.builder().serverUri("tcp://127.0.0.1:" + localPort).clientId("near")
                .cleanStart(false).automaticReconnect(Duration.ofMillis(200), Duration.ofSeconds(1)).build());
        near.connect().join();
        Peers.Inbox inbox = new Peers.Inbox().subscribe(near, "in/#", 2);
        try (MqttClient pub = Peers.client(remotePort, "remote-pub")) {
            awaitBridged(pub, "in/probe", inbox);
            for (int i = 0; i < MESSAGES; i++) {
                pub.publish("in/" + i, "m" + i, 2, false).join();
            }
        }
        await().atMost(Peers.WAIT).until(proxy::didCut);
        open.close(local); // holds the remote's ids of the messages whose PUBREC was lost, unreleased
        open.close(remote); // no persistence: the bridge's remote session is gone, and its packet ids start again
        keep(Peers.tern(dir, "remote-again", remotePort, ""));
        keep(Peers.tern(dir, "local-again", localPort, conf));
        MqttClient pub = keep(Peers.client(remotePort, "remote-pub"));
        awaitBridged(pub, "in/probe", inbox);
        for (int i = 0; i < MESSAGES; i++) {
            pub.publish("in/new/" + i, "n" + i, 2, false).join();
        }
        List<String> got = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            got.add(inbox.next("in/new/" + i).topic());
        }
        assertThat(got).hasSize(MESSAGES);
    }

    private void outgoing(int remotePort) throws Exception {
        // the remote's 5th PUBREC reaches the bridge, then the link breaks before its PUBREL
        CuttingProxy proxy = keep(new CuttingProxy(remotePort, false, 5, 5, true));
        MqttClient far = keep(Peers.client(remotePort, "far"));
        Peers.Inbox inbox = new Peers.Inbox().subscribe(far, "out/#", 2);
        Broker local = localBridgingTo(proxy.port());
        MqttClient pub = keep(Peers.client(local.port(), "pub"));
        awaitBridged(pub, "out/probe", inbox);
        for (int i = 0; i < MESSAGES; i++) {
            pub.publish("out/" + i, "m" + i, 2, false).join();
        }
        assertExactlyOnce(inbox, "out/", proxy);
    }

    private void incoming(int remotePort) throws Exception {
        // the bridge's 5th PUBREC never reaches the remote: it sends that PUBLISH again after the reconnect
        CuttingProxy proxy = keep(new CuttingProxy(remotePort, true, 5, 5, false));
        Broker local = localBridgingTo(proxy.port());
        MqttClient near = keep(Peers.client(local.port(), "near"));
        Peers.Inbox inbox = new Peers.Inbox().subscribe(near, "in/#", 2);
        MqttClient pub = keep(Peers.client(remotePort, "remote-pub"));
        awaitBridged(pub, "in/probe", inbox);
        for (int i = 0; i < MESSAGES; i++) {
            pub.publish("in/" + i, "m" + i, 2, false).join();
        }
        assertExactlyOnce(inbox, "in/", proxy);
    }

    /** Publishes QoS 0 probes until one crosses: the bridge is up and subscribed both sides. */
    private static void awaitBridged(MqttClient pub, String topic, Peers.Inbox inbox) throws Exception {
        long deadline = System.nanoTime() + Peers.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            pub.publish(topic, "probe", 0, false).join();
            if (!inbox.quiet(Duration.ofMillis(200))) {
                while (!inbox.quiet(Duration.ofMillis(200))) {
                    // drain the other probes
                }
                return;
            }
        }
        throw new AssertionError("the bridge did not come up");
    }

    private static void assertExactlyOnce(Peers.Inbox inbox, String prefix, CuttingProxy proxy) throws Exception {
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            topics.add(inbox.next().topic());
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            expected.add(prefix + i);
        }
        assertThat(proxy.didCut()).as("the link was broken mid-flight").isTrue();
        assertThat(topics).as("each message once").containsExactlyInAnyOrderElementsOf(expected);
        assertThat(inbox.quiet(Duration.ofSeconds(2))).as("no duplicate after the reconnect").isTrue();
    }
}
