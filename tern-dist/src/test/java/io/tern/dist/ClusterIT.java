package io.tern.dist;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three {@code bin/tern} processes as one cluster, started from three config files as a user would, each with its
 * own RocksDB store. One is killed with SIGKILL while QoS 1 publishers run on it and on a survivor: the clients
 * reconnect to a survivor, every acknowledged message reaches the subscribers (counted), the dead node's clients'
 * wills are published, its retained message and persistent session are on the survivors, and a fourth node that
 * joins under load serves subscribers at once.
 */
class ClusterIT {

    private static final Path HOME = Path.of(System.getProperty("tern.home", "target/tern"));
    /** Fast failure detection for the test; production keeps Hazelcast's defaults (60 s). */
    private static final String HZ_OPTS = "-Dhazelcast.wait.seconds.before.join=0 -Dhazelcast.heartbeat.interval.seconds=1"
            + " -Dhazelcast.max.no.heartbeat.seconds=5 -Dhazelcast.partition.count=31"
            + " -Dhazelcast.socket.connect.timeout.seconds=1 -Xmx256m";

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final List<MqttClient> clients = new ArrayList<>();
    private final String cluster = "it-" + Long.toHexString(System.nanoTime());

    @AfterEach
    void stop() throws Exception {
        for (MqttClient c : clients) {
            try {
                c.disconnectForcibly(100, 100);
            } catch (MqttException e) {
                // already gone
            }
            c.close(true);
        }
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private record Node(String id, int mqtt, int clusterPort, Path log) {
        String uri() { return "tcp://127.0.0.1:" + mqtt; }
    }

    private Node node(String id, int clusterPort, List<Integer> allClusterPorts) throws IOException {
        int mqtt = freePort();
        StringBuilder members = new StringBuilder();
        for (int p : allClusterPorts) {
            if (p != clusterPort) {
                members.append(" 127.0.0.1:").append(p);
            }
        }
        Path conf = dir.resolve(id + ".conf");
        Files.writeString(conf, "listener " + mqtt + " 127.0.0.1\nallow_anonymous true\n"
                + "persistence true\npersistence_location " + dir.resolve("data-" + id) + "/\n"
                + "cluster_name " + cluster + "\ncluster_node_id " + id + "\ncluster_port " + clusterPort
                + "\ncluster_bind_address 127.0.0.1\ncluster_members" + members + "\n");
        Path log = dir.resolve(id + ".log");
        ProcessBuilder pb = new ProcessBuilder(HOME.resolve("bin/tern").toString(), "-c", conf.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("TERN_JAVA_OPTS", HZ_OPTS);
        processes.add(pb.start());
        return new Node(id, mqtt, clusterPort, log);
    }

    private static void awaitLog(Node n, String text) {
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(n.log()).contains(text));
    }

    private MqttClient connect(Node n, String clientId, boolean clean, MqttCallback cb, String will)
            throws MqttException {
        MqttClient c = new MqttClient(n.uri(), clientId, new MemoryPersistence());
        clients.add(c);
        if (cb != null) {
            c.setCallback(cb);
        }
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setConnectionTimeout(20);
        o.setMaxInflight(50);
        if (will != null) {
            o.setWill(will, (clientId + " died").getBytes(StandardCharsets.UTF_8), 1, false);
        }
        c.setTimeToWait(20_000);
        c.connect(o);
        return c;
    }

    /** Records payloads by topic. */
    private static final class Inbox implements MqttCallback {
        final Map<String, Set<String>> byTopic = new ConcurrentHashMap<>();

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage m) {
            byTopic.computeIfAbsent(topic, k -> ConcurrentHashMap.newKeySet())
                    .add(new String(m.getPayload(), StandardCharsets.UTF_8));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }

        Set<String> of(String topic) {
            return byTopic.getOrDefault(topic, Set.of());
        }
    }

    /** Publishes QoS 1 messages one at a time (each waits for PUBACK) and counts those acknowledged. */
    private static final class Publisher extends Thread {
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger failures = new AtomicInteger();
        volatile MqttClient client;
        final String topic;
        final String prefix;
        final int max;

        Publisher(MqttClient client, String topic, String prefix, int max) {
            this.client = client;
            this.topic = topic;
            this.prefix = prefix;
            this.max = max;
            setDaemon(true);
        }

        @Override
        public void run() {
            for (int i = 0; i < max && !stop.get(); i++) {
                String payload = prefix + i;
                try {
                    client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
                    acked.add(payload);
                } catch (MqttException e) {
                    failures.incrementAndGet(); // not acknowledged: the client would retry it, we just count it
                    if (!client.isConnected()) {
                        return;
                    }
                }
            }
        }
    }

    @Test
    void killOneOfThreeUnderQos1LoadLosesNoAcknowledgedMessage() throws Exception {
        List<Integer> ports = List.of(freePort(), freePort(), freePort());
        Node n1 = node("node1", ports.get(0), ports);
        Node n2 = node("node2", ports.get(1), ports);
        Node n3 = node("node3", ports.get(2), ports);
        for (Node n : List.of(n1, n2, n3)) {
            awaitLog(n, "3 members");
        }

        Inbox sub1 = new Inbox();
        connect(n1, "it-sub1", false, sub1, null).subscribe("load/#", 1);
        Inbox sub2 = new Inbox();
        connect(n2, "it-sub2", false, sub2, null).subscribe(new String[] {"load/#", "it/will"}, new int[] {1, 1});
        // on the node that will die: a client with a will, a persistent session, a retained message
        connect(n3, "it-willer", true, null, "it/will");
        connect(n3, "it-pers", false, null, null).subscribe("pers/t", 1);
        MqttClient retainer = connect(n3, "it-retainer", true, null, null);
        retainer.publish("it/retained", "kept".getBytes(StandardCharsets.UTF_8), 1, true);
        // routes are replicated asynchronously: wait until a message from node 3 reaches both subscribers
        MqttClient probe = connect(n3, "it-probe", true, null, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            probe.publish("load/probe", "p".getBytes(StandardCharsets.UTF_8), 1, false);
            return sub1.of("load/probe").contains("p") && sub2.of("load/probe").contains("p");
        });

        Publisher onVictim = new Publisher(connect(n3, "it-pub3", true, null, null), "load/a", "a", 100_000);
        Publisher onSurvivor = new Publisher(connect(n1, "it-pub1", true, null, null), "load/b", "b", 100_000);
        onVictim.start();
        onSurvivor.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> onVictim.acked.size() >= 300 && onSurvivor.acked.size() >= 300);

        processes.get(2).destroyForcibly(); // SIGKILL
        assertThat(processes.get(2).waitFor(10, TimeUnit.SECONDS)).isTrue();
        onVictim.join(30_000);
        awaitLog(n1, "Cluster member node3 left, 2 members");

        // a fourth node joins while node 1's publisher keeps going, and gets the subscription state
        Node n4 = node("node4", freePort(), ports);
        awaitLog(n4, "joined, 3 members");
        Inbox sub4 = new Inbox();
        connect(n4, "it-sub4", true, sub4, null).subscribe("load/b", 1);

        // the victim's publisher reconnects to a survivor and goes on
        Publisher again = new Publisher(connect(n2, "it-pub3", true, null, null), "load/a", "again", 50);
        again.start();
        again.join(60_000);
        await().atMost(Duration.ofSeconds(60)).until(() -> !sub4.of("load/b").isEmpty());
        onSurvivor.stop.set(true);
        onSurvivor.join(30_000);

        // every acknowledged message reached both subscribers on the survivors
        Set<String> ackedA = Set.copyOf(onVictim.acked);
        Set<String> ackedB = Set.copyOf(onSurvivor.acked);
        Set<String> ackedAgain = Set.copyOf(again.acked);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(sub1.of("load/a")).containsAll(ackedA).containsAll(ackedAgain);
            assertThat(sub2.of("load/a")).containsAll(ackedA).containsAll(ackedAgain);
            assertThat(sub1.of("load/b")).containsAll(ackedB);
            assertThat(sub2.of("load/b")).containsAll(ackedB);
        });
        assertThat(ackedAgain).hasSize(50);
        System.out.printf("ClusterIT: acknowledged QoS 1 before/after kill -9: %d on the killed node, %d on a survivor,"
                + " %d after reconnecting; lost 0; node 4 received %d after joining under load%n",
                ackedA.size(), ackedB.size(), ackedAgain.size(), sub4.of("load/b").size());

        // the dead node's client's will was published by a survivor
        await().atMost(Duration.ofSeconds(30)).until(() -> sub2.of("it/will").contains("it-willer died"));

        // its retained message is cluster state with a backup
        Inbox late = new Inbox();
        connect(n2, "it-late", true, late, null).subscribe("it/retained", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> late.of("it/retained").contains("kept"));

        // its persistent session lives on a survivor: messages published meanwhile wait for the client
        connect(n1, "it-pub-pers", true, null, null).publish("pers/t", "meanwhile".getBytes(StandardCharsets.UTF_8), 1, false);
        Inbox pers = new Inbox();
        MqttClient back = new MqttClient(n2.uri(), "it-pers", new MemoryPersistence());
        clients.add(back);
        back.setCallback(pers);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        o.setConnectionTimeout(20);
        assertThat(back.connectWithResult(o).getSessionPresent()).isTrue();
        await().atMost(Duration.ofSeconds(20)).until(() -> pers.of("pers/t").contains("meanwhile"));
        back.disconnect();

        // the killed node restarts on its store: its stale copy of the moved session gives way to the cluster's
        Node again3 = node("node3", ports.get(2), ports);
        awaitLog(again3, "joined, 4 members");
        awaitLog(again3, "session it-pers moved to node node2 while this node was down; handing its queued"
                + " messages there and dropping the local copy.");
        MqttClient onRestarted = new MqttClient(again3.uri(), "it-pers", new MemoryPersistence());
        clients.add(onRestarted);
        assertThat(onRestarted.connectWithResult(o).getSessionPresent()).isTrue();
    }
}
