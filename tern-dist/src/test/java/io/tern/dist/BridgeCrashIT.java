package io.tern.dist;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
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
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A bridge's queue survives kill -9: with persistence on and the remote broker down, QoS 1 messages published
 * locally (and acknowledged) wait in the bridge's durable local session; the broker is killed, restarted, the
 * remote comes back, and every message arrives at a subscriber on the remote. And QoS 2 stays exactly once when
 * the bridging broker is killed while messages are in flight to the remote [MQTT-4.3.3-1..3]: its local session's
 * resend after the restart (same packet id, DUP, or only PUBREL) meets the remote's session as the same flow.
 * Both brokers are bin/tern.
 */
class BridgeCrashIT {

    private static final Path HOME = Path.of(System.getProperty("tern.home", "target/tern"));
    private static final int MESSAGES = 50;

    private final List<Process> processes = new ArrayList<>();
    private final List<MqttClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        for (MqttClient c : clients) {
            try {
                c.disconnectForcibly(100, 100);
            } catch (MqttException e) {
                // gone with the broker
            }
        }
        processes.forEach(Process::destroyForcibly);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process start(Path dir, Path conf, String log) throws Exception {
        Path out = dir.resolve(log);
        Process p = new ProcessBuilder(HOME.resolve("bin/tern").toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        processes.add(p);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(out).contains("running"));
        return p;
    }

    private MqttClient client(int port, String id, boolean clean) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, id, new MemoryPersistence());
        clients.add(c);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setConnectionTimeout(10);
        c.connect(o);
        return c;
    }

    @Test
    void queuedBridgeMessagesSurviveKill9(@TempDir Path dir) throws Exception {
        int remotePort = freePort();
        int localPort = freePort();
        Path remoteConf = dir.resolve("remote.conf");
        Files.writeString(remoteConf, "listener " + remotePort + " 127.0.0.1\nallow_anonymous true\n"
                + "persistence true\npersistence_location " + dir.resolve("remote") + "/\n");
        Path localConf = dir.resolve("local.conf");
        Files.writeString(localConf, "listener " + localPort + " 127.0.0.1\nallow_anonymous true\n"
                + "persistence true\npersistence_location " + dir.resolve("local") + "/\n"
                + "connection cloud\naddress 127.0.0.1:" + remotePort + "\nremote_clientid crash-bridge\n"
                + "restart_timeout 1\ntopic crash/# out 1\n");
        Process remote = start(dir, remoteConf, "remote-1.log");
        // the subscriber's session at the remote outlives its connection and the remote's restart
        MqttClient sub = client(remotePort, "sub", false);
        sub.subscribe("crash/#", 1);
        sub.disconnect();
        Process local = start(dir, localConf, "local-1.log");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Files.readString(dir.resolve("local-1.log")).contains("Connecting bridge cloud"));

        remote.destroy();
        remote.waitFor();
        MqttClient pub = client(localPort, "pub", true);
        for (int i = 0; i < MESSAGES; i++) {
            // returns after PUBACK: the message is durable in the bridge's local session
            pub.publish("crash/" + i, Integer.toString(i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        local.destroyForcibly(); // kill -9
        local.waitFor();

        start(dir, localConf, "local-2.log");
        assertThat(Files.readString(dir.resolve("local-2.log"))).contains("Restored");
        start(dir, remoteConf, "remote-2.log");
        Set<String> got = ConcurrentHashMap.newKeySet();
        MqttClient sub2 = new MqttClient("tcp://127.0.0.1:" + remotePort, "sub", new MemoryPersistence());
        clients.add(sub2);
        sub2.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                got.add(new String(m.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        sub2.connect(o);
        await().atMost(Duration.ofSeconds(60)).until(() -> got.size() == MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            assertThat(got).contains(Integer.toString(i));
        }
    }

    @Test
    void qos2InFlightToTheRemoteArrivesOnceAcrossKill9(@TempDir Path dir) throws Exception {
        int remotePort = freePort();
        int localPort = freePort();
        Path remoteConf = dir.resolve("remote.conf");
        Files.writeString(remoteConf, "listener " + remotePort + " 127.0.0.1\nallow_anonymous true\n");
        Path localConf = dir.resolve("local.conf");
        Files.writeString(localConf, "listener " + localPort + " 127.0.0.1\nallow_anonymous true\n"
                + "persistence true\npersistence_location " + dir.resolve("local") + "/\n"
                + "connection cloud\naddress 127.0.0.1:" + remotePort + "\nremote_clientid crash-bridge-2\n"
                + "cleansession false\nrestart_timeout 1\ntopic crash2/# out 2\n");
        start(dir, remoteConf, "remote.log"); // stays up: it keeps the bridge's session across the crash
        Map<String, AtomicInteger> got = new ConcurrentHashMap<>();
        MqttClient sub = new MqttClient("tcp://127.0.0.1:" + remotePort, "sub2", new MemoryPersistence());
        clients.add(sub);
        sub.connect();
        sub.subscribe("crash2/#", 2, (topic, m) -> got.computeIfAbsent(
                new String(m.getPayload(), StandardCharsets.UTF_8), k -> new AtomicInteger()).incrementAndGet());
        Process local = start(dir, localConf, "local-1.log");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Files.readString(dir.resolve("local-1.log")).contains("Connecting bridge cloud"));

        MqttAsyncClient pub = new MqttAsyncClient("tcp://127.0.0.1:" + localPort, "pub2", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMaxInflight(QOS2_MESSAGES);
        pub.connect(o).waitForCompletion(10_000);
        // the bridge is up once a probe crosses
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            pub.publish("crash2/probe", "probe".getBytes(StandardCharsets.UTF_8), 0, false);
            return got.containsKey("probe");
        });
        // what the local broker completed (PUBCOMP) it must forward exactly once; the rest at most once
        Set<String> completed = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < QOS2_MESSAGES; i++) {
            String payload = Integer.toString(i);
            pub.publish("crash2/" + i, payload.getBytes(StandardCharsets.UTF_8), 2, false, null,
                    new IMqttActionListener() {
                        @Override
                        public void onSuccess(IMqttToken token) {
                            completed.add(payload);
                        }

                        @Override
                        public void onFailure(IMqttToken token, Throwable e) {
                        }
                    });
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(() -> got.size() > 40 && completed.size() > 20);
        local.destroyForcibly(); // kill -9, with messages in flight to the remote
        local.waitFor();
        assertThat(completed).as("some messages were in the bridge's hands at the kill").isNotEmpty();

        start(dir, localConf, "local-2.log");
        List<String> done = List.copyOf(completed);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> done.stream().allMatch(got::containsKey));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            List<String> missing = done.stream().filter(m -> !got.containsKey(m)).toList();
            throw new AssertionError("completed locally, never at the remote: " + missing + "\n"
                    + Files.readString(dir.resolve("local-2.log")), e);
        }
        // and no late duplicate for a while
        try {
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> got.entrySet().stream()
                            .allMatch(e -> e.getKey().equals("probe") || e.getValue().get() == 1));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // a duplicate arrived: named below
        }
        Map<String, Integer> twice = new java.util.TreeMap<>();
        got.forEach((k, n) -> {
            if (!k.equals("probe") && n.get() != 1) {
                twice.put(k, n.get());
            }
        });
        assertThat(twice).as("messages that arrived more than once").isEmpty();
    }

    private static final int QOS2_MESSAGES = 400;
}
