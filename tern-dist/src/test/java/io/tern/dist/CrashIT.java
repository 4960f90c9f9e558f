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
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The durability promise: with persistence on, every QoS 1/2 message whose publisher got PUBACK/PUBCOMP
 * survives kill -9 of the broker, QoS 2 arrives exactly once, and each publisher's order is kept.
 */
class CrashIT {

    private static final Path HOME = Path.of(System.getProperty("tern.home", "target/tern"));
    private static final int ROUNDS = 3;

    private Process broker;
    private final List<MqttClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        for (MqttClient c : clients) {
            try {
                c.disconnectForcibly(100, 100);
            } catch (MqttException e) {
                // gone with the broker
            }
            try {
                c.close(true);
            } catch (MqttException e) {
                // closed
            }
        }
        if (broker != null) {
            broker.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void startBroker(Path dir, Path conf, int round) throws Exception {
        Path out = dir.resolve("broker-" + round + ".log");
        broker = new ProcessBuilder(HOME.resolve("bin/tern").toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(out).contains("running"));
    }

    private MqttClient client(int port, String id, boolean clean, MqttCallback callback) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, id, new MemoryPersistence());
        clients.add(c);
        if (callback != null) {
            c.setCallback(callback);
        }
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setMaxInflight(1000);
        o.setConnectionTimeout(10);
        c.connect(o);
        return c;
    }

    /** Publishes numbered messages until the broker dies; records the ones it acknowledged. */
    private static Thread publisher(MqttClient c, String topic, int qos, AtomicInteger next, Set<Integer> acked) {
        Thread t = new Thread(() -> {
            while (true) {
                int n = next.getAndIncrement();
                try {
                    c.publish(topic, Integer.toString(n).getBytes(StandardCharsets.UTF_8), qos, false);
                    acked.add(n); // publish() returned: PUBACK (QoS 1) or PUBCOMP (QoS 2) arrived
                } catch (MqttException e) {
                    return;
                }
            }
        }, "publisher-" + topic);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void everyAcknowledgedMessageSurvivesKill9(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path conf = dir.resolve("tern.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence true\n"
                + "persistence_location " + dir + "/\npersistence_file crash.db\npersistence_sync batch\n"
                + "max_queued_messages 0\n");
        startBroker(dir, conf, 0);
        MqttClient sub = client(port, "durable-sub", false, null);
        sub.subscribe("crash/#", 2);
        sub.disconnect();

        Map<Integer, Set<Integer>> acked = Map.of(1, ConcurrentHashMap.newKeySet(), 2, ConcurrentHashMap.newKeySet());
        Map<Integer, AtomicInteger> next = Map.of(1, new AtomicInteger(), 2, new AtomicInteger());
        for (int round = 1; round <= ROUNDS; round++) {
            List<Thread> threads = new ArrayList<>();
            for (int qos : List.of(1, 2)) {
                MqttClient pub = client(port, "pub-q" + qos + "-" + round, true, null);
                threads.add(publisher(pub, "crash/q" + qos, qos, next.get(qos), acked.get(qos)));
            }
            // kill at a different point each round: after more acknowledged messages
            int target = 150 * round;
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> acked.get(1).size() >= target && acked.get(2).size() >= target / 2);
            broker.destroyForcibly(); // SIGKILL mid-stream
            assertThat(broker.waitFor(10, TimeUnit.SECONDS)).isTrue();
            for (Thread t : threads) {
                t.join(20_000);
            }
            startBroker(dir, conf, round);
        }

        BlockingQueue<String[]> received = new LinkedBlockingQueue<>();
        client(port, "durable-sub", false, new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                received.add(new String[] {topic, new String(m.getPayload(), StandardCharsets.UTF_8)});
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        Map<Integer, List<Integer>> got = new HashMap<>(Map.of(1, new ArrayList<>(), 2, new ArrayList<>()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String[] m = received.poll(3, TimeUnit.SECONDS);
            if (m == null) {
                break; // quiet for 3 s: everything stored has been delivered
            }
            got.get(m[0].endsWith("q1") ? 1 : 2).add(Integer.parseInt(m[1]));
        }
        System.out.printf("CrashIT: %d rounds of kill -9; acknowledged QoS 1 %d, QoS 2 %d; received QoS 1 %d, QoS 2 %d%n",
                ROUNDS, acked.get(1).size(), acked.get(2).size(), got.get(1).size(), got.get(2).size());
        for (int qos : List.of(1, 2)) {
            List<Integer> seq = got.get(qos);
            assertThat(seq).as("QoS %d: every acknowledged message delivered", qos).containsAll(acked.get(qos));
            List<Integer> firsts = seq.stream().distinct().toList();
            assertThat(firsts).as("QoS %d: publisher order kept", qos).isSorted();
        }
        assertThat(got.get(2)).as("QoS 2 exactly once").doesNotHaveDuplicates();
    }
}
