package io.tern.dist;

import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** bin/tern as an operator runs it: {@code kill -HUP} re-reads the password file without a restart. */
class SighupReloadIT {

    static final Path HOME = Path.of(System.getProperty("tern.home", "target/tern"));

    @TempDir
    Path dir;

    @Test
    void sighupReloadsThePasswordFileAndABadOneKeepsTheOld() throws Exception {
        Path pw = dir.resolve("passwords");
        passwd("-c", "-b", pw.toString(), "alice", "first");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("tern.conf");
        // strict_password_file: a bad line fails the reload and the old file stays (by default, as Mosquitto,
        // bad lines would be logged and skipped)
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous false\nstrict_password_file true\n"
                + "password_file " + pw + "\n");

        Process tern = new ProcessBuilder(HOME.resolve("bin/tern").toString(), "-c", conf.toString())
                .redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(tern.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                }
            } catch (IOException e) {
                // the stream closes when the test stops the broker
            }
        }, "tern-output");
        reader.setDaemon(true);
        reader.start();
        try {
            awaitOutput(tern, output, "running");
            String uri = "tcp://127.0.0.1:" + port;
            connect(uri, "first");
            assertThatThrownBy(() -> connect(uri, "second")).isInstanceOf(MqttException.class);

            passwd("-b", pw.toString(), "alice", "second");
            hangUp(tern);
            awaitOutput(tern, output, "Reloading config.");
            // the reload runs right after that line; retry the login a bounded time rather than race it
            Awaitility.await("new password accepted").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().untilAsserted(() -> connect(uri, "second"));
            assertThatThrownBy(() -> connect(uri, "first")).isInstanceOf(MqttException.class);

            Files.writeString(pw, "alice:second-but-not-a-hash\nthis line has no colon\n");
            int before = output.size();
            hangUp(tern);
            awaitOutput(tern, output, "Error: " + pw);
            assertThat(output.subList(before, output.size())).anyMatch(l -> l.contains("Reloading config."));
            connect(uri, "second");
            assertThat(tern.isAlive()).isTrue();
        } finally {
            tern.destroy();
            if (!tern.waitFor(15, TimeUnit.SECONDS)) {
                tern.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            System.out.println("[bin/tern output]\n" + String.join("\n", output));
        }
    }

    private static void hangUp(Process p) throws Exception {
        // bin/tern execs java, so this is the broker's own pid
        Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(p.pid())).redirectErrorStream(true).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    private static void awaitOutput(Process p, List<String> output, String text) {
        Awaitility.await("bin/tern printing '" + text + "'").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    if (!p.isAlive()) {
                        throw new AssertionError("bin/tern exited " + p.exitValue() + ": " + output);
                    }
                    return output.stream().anyMatch(l -> l.contains(text));
                });
    }

    private static void connect(String uri, String password) throws MqttException {
        MqttClient c = new MqttClient(uri, "it-" + System.nanoTime(), new MemoryPersistence());
        c.setTimeToWait(10_000);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("alice");
        o.setPassword(password.toCharArray());
        o.setConnectionTimeout(10);
        try {
            c.connect(o);
            c.disconnect(0);
        } finally {
            c.close(true);
        }
    }

    private static void passwd(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = HOME.resolve("bin/tern-passwd").toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("tern-passwd finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("tern-passwd %s: %s", List.of(args), out).isZero();
    }
}
