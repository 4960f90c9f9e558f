package io.tern.dist;

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
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A bridge's queue survives kill -9: with persistence on and the remote broker down, QoS 1 messages published
 * locally (and acknowledged) wait in the bridge's durable local session; the broker is killed, restarted, the
 * remote comes back, and every message arrives at a subscriber on the remote. Both brokers are bin/tern.
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
}
