package io.tern.client;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Debian Mosquitto broker in a subprocess on free 127.0.0.1 ports, for tests. Tests that need one call
 * {@link #assumeInstalled()} first so they skip, visibly, where Mosquitto is not installed.
 */
public final class MosquittoBroker implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final Path dir;
    private final String extraConfig;
    private final int port;
    private final int wsPort;
    private Process process;

    private MosquittoBroker(Path dir, String extraConfig, int port, int wsPort) {
        this.dir = dir;
        this.extraConfig = extraConfig;
        this.port = port;
        this.wsPort = wsPort;
    }

    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                "SKIPPED: " + BINARY + " is not installed (apt-get install mosquitto)");
    }

    /** Starts a broker with anonymous access on a TCP listener (and a WebSocket one when asked). */
    public static MosquittoBroker start(Path dir, boolean webSockets, String extraConfig) throws IOException {
        assumeInstalled();
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            MosquittoBroker b = new MosquittoBroker(dir, extraConfig, freePort(), webSockets ? freePort() : 0);
            try {
                b.launch();
                return b;
            } catch (IOException e) { // lost the race for the free port; try others
                last = e;
                b.kill();
            }
        }
        throw last;
    }

    public static MosquittoBroker start(Path dir) throws IOException {
        return start(dir, false, "");
    }

    public int port() {
        return port;
    }

    public int wsPort() {
        return wsPort;
    }

    public String tcpUri() {
        return "tcp://127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    public Path log() {
        return dir.resolve("mosquitto.log");
    }

    private void launch() throws IOException {
        StringBuilder conf = new StringBuilder();
        conf.append("per_listener_settings false\n");
        // Run as root, Mosquitto would switch to the 'mosquitto' user, which cannot write a persistence file in
        // our temporary directory; as any other user this line is ignored.
        conf.append("user root\n");
        conf.append("allow_anonymous true\n");
        conf.append("listener ").append(port).append(" 127.0.0.1\n");
        if (wsPort > 0) {
            conf.append("listener ").append(wsPort).append(" 127.0.0.1\nprotocol websockets\n");
        }
        conf.append(extraConfig).append('\n');
        Path confFile = dir.resolve("mosquitto.conf");
        Files.writeString(confFile, conf.toString());
        long runningBefore = runningLines();
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "-c", confFile.toString()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
        try {
            // "running" is logged once every listener is bound; a port someone else holds makes Mosquitto exit
            // instead, which a bare connect test could mistake for readiness
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IOException("mosquitto exited at start: " + Files.readString(log()));
                        }
                        return runningLines() > runningBefore && listening(port);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IOException("mosquitto did not listen on " + port + " within 10 s", e);
        }
    }

    private long runningLines() throws IOException {
        if (!Files.exists(log())) {
            return 0;
        }
        try (var lines = Files.lines(log(), java.nio.charset.StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.endsWith(" running")).count();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** SIGKILL: the broker loses its in-memory state and saves nothing. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor();
        }
    }

    /** SIGTERM: the broker saves its persistence file (when persistence is on) and exits. */
    public void stop() {
        if (process != null) {
            process.destroy();
            waitFor();
        }
    }

    /** Starts the broker again on the same ports with the same configuration. */
    public void restart() throws IOException {
        IOException last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                launch();
                return;
            } catch (IOException e) { // the old socket may linger a moment
                last = e;
                if (process != null) {
                    process.destroyForcibly();
                    waitFor();
                }
            }
        }
        throw last;
    }

    private void waitFor() {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
    }
}
