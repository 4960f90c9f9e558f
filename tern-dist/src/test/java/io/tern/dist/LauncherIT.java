package io.tern.dist;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The distribution as a user runs it: bin/tern with Mosquitto's flags, and the example configurations that
 * real Mosquitto users run, started unchanged but for paths and ports.
 */
class LauncherIT {

    private static final Path HOME = Path.of(System.getProperty("tern.home", "target/tern"));
    private static final Path EXAMPLES = findExamples();

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroy(); // SIGTERM: the broker shuts down cleanly
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static Path findExamples() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolveSibling("shared").resolve("examples");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process tern(Path workDir, Path output, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(HOME.resolve("bin/tern").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        processes.add(p);
        return p;
    }

    private static void awaitLine(Path output, String text) {
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(output).contains(text));
    }

    /** CONNECT (3.1.1, clean, given id and optional user/password) and read the CONNACK return code. */
    private static int connack(int port, String clientId, String user, String password) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            body.write(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4});
            body.write((user != null ? 0x80 : 0) | (password != null ? 0x40 : 0) | 0x02);
            body.write(new byte[] {0, 60});
            writeString(body, id);
            if (user != null) {
                writeString(body, user.getBytes(StandardCharsets.UTF_8));
            }
            if (password != null) {
                writeString(body, password.getBytes(StandardCharsets.UTF_8));
            }
            OutputStream out = s.getOutputStream();
            out.write(0x10);
            out.write(body.size());
            body.writeTo(out);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] ack = in.readNBytes(4);
            assertThat(ack[0]).isEqualTo((byte) 0x20);
            return ack[3];
        }
    }

    private static void writeString(java.io.ByteArrayOutputStream b, byte[] s) throws IOException {
        b.write(s.length >> 8);
        b.write(s.length & 0xff);
        b.write(s);
    }

    private Path example(Path dir, String name, int port, int replacedPort) throws IOException {
        assumeTrue(EXAMPLES != null, "shared/examples not found beside the repository");
        for (Path f : Files.list(EXAMPLES).toList()) {
            Files.copy(f, dir.resolve(f.getFileName()));
        }
        Path conf = dir.resolve(name);
        Files.writeString(conf, Files.readString(conf).replace("listener " + replacedPort, "listener " + port));
        return conf;
    }

    @Test
    void helpListsMosquittosFlags(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Process p = tern(dir, out, "-h");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out)).contains("-c, --config-file", "-p, --port", "-v, --verbose", "--test-config");
    }

    @Test
    void badConfigStopsStartUpWithFileLineAndReason(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "listener 1883\nmax_inflight_messages lots\nbridge_protocol_version mqttv311\n");
        Path out = dir.resolve("out.txt");
        Process p = tern(dir, out, "-c", conf.toString(), "--test-config");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        String text = Files.readString(out);
        assertThat(text).contains(conf + ":2: ").contains("max_inflight_messages");
        assertThat(text).contains(conf + ":3: bridge_protocol_version: only allowed in a bridge section (after a 'connection' line)");
    }

    @Test
    void theShippedBridgeExamplePassesTheCheck(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Process p = tern(dir, out, "-c", HOME.resolve("conf/bridge.conf").toString(), "--test-config");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(out)).isZero();
    }

    @Test
    void testConfigReadsThePasswordFileToo(@TempDir Path dir) throws Exception {
        // secured.conf as shipped names a plain-text passwords.txt: with strict_password_file start-up would
        // refuse it, so must the check (by default, as Mosquitto, such lines are logged and skipped)
        Path conf = example(dir, "secured.conf", freePort(), 1883);
        Files.writeString(conf, Files.readString(conf) + "\nstrict_password_file true\n");
        Path out = dir.resolve("out.txt");
        Process p = tern(dir, out, "-c", conf.toString(), "--test-config");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readString(out)).contains("passwords.txt:1: ").contains("tern-passwd -U");
    }

    @Test
    void startsWithAnonymousExample(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path conf = example(dir, "anonymous.conf", port, 1883);
        Path out = dir.resolve("out.txt");
        tern(dir, out, "-c", conf.toString());
        awaitLine(out, "running");
        assertThat(connack(port, "sensor-1", null, null)).isZero();
    }

    @Test
    void startsWithSecuredExampleAfterUpgradingItsPasswords(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path conf = example(dir, "secured.conf", port, 1883);
        Process upgrade = new ProcessBuilder(HOME.resolve("bin/tern-passwd").toString(), "-U", "passwords.txt")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        processes.add(upgrade);
        assertThat(upgrade.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(upgrade.exitValue()).isZero();
        Path out = dir.resolve("out.txt");
        tern(dir, out, "-c", conf.toString());
        awaitLine(out, "running");
        assertThat(connack(port, "sensor-1", "sensor1", "sensorpass1")).isZero();
        assertThat(connack(port, "sensor-2", null, null)).as("anonymous refused").isEqualTo(5);
        assertThat(connack(port, "other-1", "sensor1", "sensorpass1")).as("clientid_prefixes").isEqualTo(5);
        // "not authorised", as Mosquitto answers (4 with report_bad_credentials true)
        assertThat(connack(port, "sensor-3", "sensor1", "wrong")).as("wrong password").isEqualTo(5);
        // log_timestamp with connection_messages, to stdout
        assertThat(Files.readString(out)).containsPattern("\\d{10}: New client connected from 127\\.0\\.0\\.1:\\d+ as "
                + "sensor-1 \\(p2, c1, k60, u'sensor1'\\)\\.");
    }

    @Test
    void startsWithPskExample(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path conf = example(dir, "psk.conf", port, 8883);
        Process upgrade = new ProcessBuilder(HOME.resolve("bin/tern-passwd").toString(), "-U", "passwords.txt")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        processes.add(upgrade);
        assertThat(upgrade.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Path out = dir.resolve("out.txt");
        tern(dir, out, "-c", conf.toString());
        awaitLine(out, "running");
        boolean clients = Files.isExecutable(Path.of("/usr/bin/mosquitto_pub"));
        assumeTrue(clients, "mosquitto_pub not installed: PSK handshake not exercised");
        Process pub = new ProcessBuilder("/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", Integer.toString(port),
                "--psk", "0123456789abcdef0123", "--psk-identity", "sensor1", "-u", "sensor1", "-P", "sensorpass1",
                "-t", "t", "-m", "hello").redirectErrorStream(true).start();
        processes.add(pub);
        assertThat(pub.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(pub.exitValue()).isZero();
    }

    @Test
    void startsWithWebSocketsAndPersistenceExample(@TempDir Path dir) throws Exception {
        int port = freePort();
        int wsPort = freePort();
        Path conf = example(dir, "websockets.conf", port, 1883);
        Files.writeString(conf, Files.readString(conf).replace("listener 9001", "listener " + wsPort));
        Path out = dir.resolve("out.txt");
        tern(dir, out, "-c", conf.toString());
        awaitLine(out, "running");
        assertThat(Files.readString(out)).contains("Restored 0 sessions");
        // persistence_file names a marker file (delete it to start afresh); the store is the directory beside it
        assertThat(Files.isRegularFile(dir.resolve("tern-example.db"))).as("marker where persistence_file says").isTrue();
        assertThat(Files.isDirectory(dir.resolve("tern-example.db.d/store"))).as("store beside it").isTrue();
        // no allow_anonymous and no password_file: Mosquitto 2.0 refuses everyone on such listeners, so do we
        assertThat(connack(port, "plain", null, null)).isEqualTo(5);
        // MQTT over WebSocket on the second listener: CONNECT in a binary frame, CONNACK back
        java.util.concurrent.CompletableFuture<java.nio.ByteBuffer> reply = new java.util.concurrent.CompletableFuture<>();
        java.net.http.WebSocket ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                .subprotocols("mqtt")
                .buildAsync(java.net.URI.create("ws://127.0.0.1:" + wsPort + "/mqtt"), new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket w,
                            java.nio.ByteBuffer data, boolean last) {
                        reply.complete(data);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        assertThat(ws.getSubprotocol()).isEqualTo("mqtt");
        ws.sendBinary(java.nio.ByteBuffer.wrap(new byte[] {0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0}),
                true).get(10, TimeUnit.SECONDS);
        java.nio.ByteBuffer connack = reply.get(10, TimeUnit.SECONDS);
        assertThat(connack.get(0)).isEqualTo((byte) 0x20);
        assertThat(connack.get(3)).as("not authorised, as on the TCP listener").isEqualTo((byte) 5);
        ws.abort();
    }

    @Test
    void withoutConfigListensOnLocalhost1883LikeMosquitto(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path out = dir.resolve("out.txt");
        tern(dir, out, "-p", Integer.toString(port), "-v");
        awaitLine(out, "running");
        String text = Files.readString(out);
        assertThat(text).contains("tern version").contains("Opening ipv4 listen socket on port " + port + ".");
        assertThat(connack(port, "anon", null, null)).isZero();
    }
}
