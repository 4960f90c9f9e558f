package io.tern.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** Runs Debian's mosquitto tools from tests; every wait is bounded. */
final class MosquittoTools {
    static final Path PASSWD = Path.of("/usr/bin/mosquitto_passwd");
    static final Path BROKER = Path.of("/usr/sbin/mosquitto");
    static final Path PUB = Path.of("/usr/bin/mosquitto_pub");

    private MosquittoTools() {}

    static void assumeInstalled(Path tool) {
        boolean present = Files.isExecutable(tool);
        if (!present) {
            System.err.println("SKIPPED: " + tool + " is not installed (apt-get install mosquitto mosquitto-clients)");
        }
        assumeTrue(present, tool + " is not installed; install Debian's mosquitto / mosquitto-clients");
    }

    /** Runs a tool to completion (at most 30 s) and returns its exit code; output goes to {@code log}. */
    static int run(Path log, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished within 30 s", List.of(command)).isTrue();
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A real mosquitto broker on 127.0.0.1 with the given extra config lines; close() stops it. */
    static final class Broker implements AutoCloseable {
        final int port;
        final Path log;
        private final Process process;

        Broker(Path dir, String... configLines) throws IOException {
            port = freePort();
            log = dir.resolve("mosquitto.log");
            Path conf = dir.resolve("mosquitto.conf");
            StringBuilder config = new StringBuilder()
                    // as root, mosquitto would drop to user 'mosquitto', which cannot read the temp dir
                    .append("user ").append(System.getProperty("user.name")).append('\n')
                    .append("listener ").append(port).append(" 127.0.0.1\n");
            for (String line : configLines) {
                config.append(line).append('\n');
            }
            Files.writeString(conf, config.toString(), StandardCharsets.UTF_8);
            process = new ProcessBuilder(BROKER.toString(), "-c", conf.toString()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            try {
                Awaitility.await("mosquitto listening on " + port).atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            if (!process.isAlive()) {
                                throw new IllegalStateException("mosquitto exited: " + Files.readString(log));
                            }
                            try (Socket s = new Socket()) {
                                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                                return true;
                            } catch (IOException e) {
                                return false;
                            }
                        });
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /** mosquitto_pub's exit code for one QoS 0 publish with these credentials. */
        int publish(String clientId, String username, String password) throws IOException, InterruptedException {
            return run(log.resolveSibling("pub.log"), PUB.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
                    "-i", clientId, "-u", username, "-P", password, "-t", "t", "-m", "x");
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
