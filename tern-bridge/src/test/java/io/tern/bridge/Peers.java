package io.tern.bridge;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ConfigParser;
import io.tern.client.MqttClient;
import io.tern.client.MqttMessage;
import io.tern.codec.MqttVersion;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Brokers and clients for the bridge tests: Tern in-process from a mosquitto.conf text, tern-client clients. */
final class Peers {

    static final Duration WAIT = Duration.ofSeconds(20);

    private Peers() {
    }

    /**
     * A Tern broker from {@code conf} (appended to an anonymous listener on 127.0.0.1), on {@code port} (0 for
     * a free one).
     */
    static Broker tern(Path dir, String name, int port, String conf) throws Exception {
        Path file = dir.resolve(name + ".conf");
        Files.writeString(file, "listener 1883 127.0.0.1\nallow_anonymous true\n" + conf + "\n");
        BrokerConfig c = ConfigParser.parse(file);
        c.listeners().get(0).port(port);
        return Broker.builder().config(c).build().start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A connected client of 127.0.0.1:{@code port}. */
    static MqttClient client(int port, String id, MqttVersion version) {
        MqttClient c = MqttClient.builder().serverUri("tcp://127.0.0.1:" + port).clientId(id).version(version)
                .build();
        c.connect().join();
        return c;
    }

    static MqttClient client(int port, String id) {
        return client(port, id, MqttVersion.MQTT_3_1_1);
    }

    /** Waits until the last message on {@code topic} at 127.0.0.1:{@code port} (a retained state) reads {@code value}. */
    static void awaitLast(int port, String topic, String value) {
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (MqttClient c = client(port, "state-" + System.nanoTime())) {
            c.subscribe(topic, 1, m -> seen.add(m.payloadAsString())).join();
            org.awaitility.Awaitility.await().atMost(WAIT)
                    .until(() -> !seen.isEmpty() && seen.get(seen.size() - 1).equals(value));
        }
    }

    /**
     * Over a "both/#" bridge: {@code a} publishes both/x, {@code b} both/y, then each a marker; each side must see
     * both/x and both/y exactly once and nothing after: an echo would be a second copy.
     */
    static void bothWaysOnce(MqttClient a, Inbox atA, MqttClient b, Inbox atB) throws InterruptedException {
        atA.queue.clear();
        atB.queue.clear();
        a.publish("both/x", "from-a", 2, false).join();
        b.publish("both/y", "from-b", 2, false).join();
        a.publish("both/end", "marker", 1, false).join();
        b.publish("both/end", "marker", 1, false).join();
        for (Inbox in : List.of(atA, atB)) {
            List<String> topics = new ArrayList<>();
            int markers = 0;
            // messages on different topics and QoS may arrive in either order (Mosquitto hands an incoming QoS 2
            // message on at PUBREL, after a QoS 1 marker sent behind it): read until both markers and two
            // messages are in; an echo shows as a second copy here or in the quiet period below
            while (markers < 2 || topics.size() < 2) {
                MqttMessage m = in.next();
                if (m.topic().equals("both/end")) {
                    markers++;
                } else {
                    topics.add(m.topic());
                }
            }
            org.assertj.core.api.Assertions.assertThat(topics).containsExactlyInAnyOrder("both/x", "both/y");
        }
        org.assertj.core.api.Assertions.assertThat(atA.quiet(Duration.ofMillis(300))).as("no late echo").isTrue();
        org.assertj.core.api.Assertions.assertThat(atB.quiet(Duration.ofMillis(300))).as("no late echo").isTrue();
    }

    /** Collects the messages of subscriptions. */
    static final class Inbox {
        final LinkedBlockingQueue<MqttMessage> queue = new LinkedBlockingQueue<>();

        Inbox subscribe(MqttClient c, String filter, int qos) {
            c.subscribe(filter, qos, queue::add).join();
            return this;
        }

        /** The next message, or fails after {@link #WAIT}. */
        MqttMessage next() throws InterruptedException {
            MqttMessage m = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (m == null) {
                throw new AssertionError("no message within " + WAIT.toSeconds() + " s");
            }
            return m;
        }

        /** The next message on {@code topic}, skipping others (e.g. notifications). */
        MqttMessage next(String topic) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                MqttMessage m = queue.poll(100, TimeUnit.MILLISECONDS);
                if (m != null && m.topic().equals(topic)) {
                    return m;
                }
            }
            throw new AssertionError("no message on " + topic + " within " + WAIT.toSeconds() + " s");
        }

        /** Every message up to and including the first on {@code topic}. */
        List<MqttMessage> until(String topic) throws InterruptedException {
            List<MqttMessage> out = new ArrayList<>();
            while (out.isEmpty() || !out.get(out.size() - 1).topic().equals(topic)) {
                out.add(next());
            }
            return out;
        }

        /** The payloads of the next {@code n} messages. */
        List<String> payloads(int n) throws InterruptedException {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(next().payloadAsString());
            }
            return out;
        }

        /** Nothing more arrives within a short quiet period (for "exactly once" checks after a known last message). */
        boolean quiet(Duration d) throws InterruptedException {
            return queue.poll(d.toMillis(), TimeUnit.MILLISECONDS) == null;
        }
    }
}
