package io.tern.broker.e2e;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ConfigParser;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** Starts the real broker in-process for an end-to-end test. */
final class Brokers {

    private static final AtomicInteger TOPICS = new AtomicInteger();

    private Brokers() {
    }

    /**
     * Writes {@code conf} (mosquitto.conf text) to {@code dir}/mosquitto.conf, parses it as the launcher does
     * and starts a broker. Relative paths in it resolve against {@code dir}, as if the broker had been
     * started there (Mosquitto resolves them against its working directory, not the file's).
     */
    static Broker fromConfig(Path dir, String conf) throws Exception {
        Path file = dir.resolve("mosquitto.conf");
        Files.writeString(file, conf, StandardCharsets.UTF_8);
        return start(ConfigParser.parse(file).workingDirectory(dir));
    }

    static Broker start(BrokerConfig config) throws IOException {
        return Broker.builder().config(config).build().start();
    }

    /**
     * A port free at this moment, for configuration files (whose parser, like Mosquitto's, refuses port 0).
     * Another process could take it before the broker binds; on this test machine that is unlikely.
     */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    static int port(Broker broker, int listener) {
        return broker.boundAddresses().get(listener).getPort();
    }

    /** A topic prefix no other test uses. */
    static String topic(String name) {
        return "e2e/" + name + "/" + TOPICS.incrementAndGet();
    }
}
