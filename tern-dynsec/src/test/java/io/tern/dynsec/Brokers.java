package io.tern.dynsec;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tern.broker.Broker;
import io.tern.broker.config.ConfigParser;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The brokers and tools the dynamic-security tests run: Tern in-process or as a process, the real Mosquitto. */
final class Brokers {

    static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");
    static final Path CTRL = Path.of("/usr/bin/mosquitto_ctrl");
    static final Path RR = Path.of("/usr/bin/mosquitto_rr");
    static final Path PLUGIN = Path.of("/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so");
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "admin-pw";

    private Brokers() {
    }

    /** Skips, visibly, unless Debian's mosquitto, mosquitto-clients and the plugin are installed. */
    static void assumeMosquitto() {
        for (Path p : List.of(MOSQUITTO, CTRL, RR, PLUGIN)) {
            boolean present = Files.exists(p);
            if (!present) {
                System.err.println("SKIPPED: " + p + " is not installed (apt-get install mosquitto mosquitto-clients)");
            }
            assumeTrue(present, p + " is not installed");
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A dynamic-security file with an admin (all of $CONTROL/dynamic-security), made by mosquitto_ctrl itself. */
    static Path initFile(Path dir, String name) throws Exception {
        Path file = dir.resolve(name);
        Result r = run(Duration.ofSeconds(20), CTRL.toString(), "dynsec", "init", file.toString(), ADMIN, ADMIN_PASSWORD);
        if (!Files.exists(file)) {
            throw new AssertionError("mosquitto_ctrl dynsec init failed: " + r.output());
        }
        return file;
    }

    /** The mosquitto.conf both brokers get. */
    static String conf(int port, Path dynsecFile, String... extra) {
        return "listener " + port + " 127.0.0.1\n"
                + "plugin " + PLUGIN + "\n"
                + "plugin_opt_config_file " + dynsecFile + "\n"
                + String.join("\n", extra) + "\n";
    }

    /** Tern in-process, from a mosquitto.conf as the launcher reads it. */
    static Broker tern(Path dir, String conf) throws Exception {
        Path file = dir.resolve("tern-" + System.nanoTime() + ".conf");
        Files.writeString(file, conf, StandardCharsets.UTF_8);
        return Broker.builder().config(ConfigParser.parse(file).workingDirectory(dir)).build().start();
    }

    record Result(int exitCode, String output) {
    }

    /** Runs a program to its end within {@code limit}; output and errors together. */
    static Result run(Duration limit, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tern-dynsec-run", ".out");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        p.getOutputStream().close();
        try {
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(command[0] + " did not finish within " + limit);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    /** mosquitto_ctrl dynsec ARGS... as the admin; output without the "no encryption" warning. */
    static String ctrl(int port, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CTRL.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-u", ADMIN, "-P", ADMIN_PASSWORD, "dynsec"));
        cmd.addAll(List.of(args));
        String out = run(Duration.ofSeconds(20), cmd.toArray(String[]::new)).output();
        return out.replace("Warning: You are running mosquitto_ctrl without encryption.\n"
                + "This means all of the configuration changes you are making are visible on the network, including passwords.\n\n", "");
    }

    /** A raw control request with mosquitto_rr (MQTT 5) as the admin; the response JSON. */
    static String request(int port, String json) throws Exception {
        return run(Duration.ofSeconds(20), RR.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-u", ADMIN, "-P", ADMIN_PASSWORD, "-t", DynamicSecurity.TOPIC, "-e", DynamicSecurity.RESPONSE_TOPIC,
                "-W", "10", "-m", json).output().strip();
    }

    static void awaitListening(int port) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** A process (real Mosquitto, or Tern in its own JVM) listening on a port; close() kills it. */
    static final class Child implements AutoCloseable {
        final Process process;
        final int port;
        final Path log;

        Child(List<String> command, int port, Path log) throws IOException {
            this.port = port;
            this.log = log;
            this.process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            try {
                awaitListening(port);
            } catch (RuntimeException e) {
                process.destroyForcibly();
                throw new AssertionError("did not start listening on " + port + ": " + readLog(), e);
            }
        }

        /** The real mosquitto with this configuration (run as root it stays root: user root). */
        static Child mosquitto(Path dir, int port, Path dynsecFile, String... extra) throws IOException {
            Path conf = dir.resolve("mosquitto-" + port + ".conf");
            List<String> lines = new ArrayList<>(List.of(extra));
            lines.add("user root");
            Files.writeString(conf, conf(port, dynsecFile, lines.toArray(String[]::new)));
            return new Child(List.of(MOSQUITTO.toString(), "-c", conf.toString()), port, dir.resolve("mosquitto-" + port + ".log"));
        }

        /** Tern's Main in a JVM of its own (so a test can kill -9 it), with this module's class path. */
        static Child tern(Path dir, int port, Path dynsecFile) throws IOException {
            Path conf = dir.resolve("tern-" + port + ".conf");
            Files.writeString(conf, conf(port, dynsecFile));
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            return new Child(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                    "io.tern.broker.Main", "-c", conf.toString()), port, dir.resolve("tern-" + port + ".log"));
        }

        String readLog() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        /** SIGKILL, as kill -9. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
