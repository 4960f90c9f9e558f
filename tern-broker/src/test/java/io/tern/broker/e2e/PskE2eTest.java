package io.tern.broker.e2e;

import io.tern.broker.Broker;
import io.tern.broker.security.PasswdCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared example psk.conf, unchanged but for its port, with Debian's mosquitto_pub / mosquitto_sub. */
class PskE2eTest {

    /** shared/ sits beside the repository (on CI too); the file contents are repeated below as a fallback. */
    static final Path EXAMPLES = Processes.REPO_ROOT != null
            && Files.isDirectory(Processes.REPO_ROOT.resolveSibling("shared/examples"))
            ? Processes.REPO_ROOT.resolveSibling("shared/examples") : Path.of("/work/shared/examples");
    static final String KEY = "0123456789abcdef0123";

    @TempDir
    Path dir;

    private Broker start() throws Exception {
        Path conf = null;
        for (String f : List.of("psk.conf", "passwords.txt", "psk.txt")) {
            Path source = EXAMPLES.resolve(f);
            if (!Files.isRegularFile(source)) {
                // a checkout without shared/: the same text as the example
                source = null;
            }
            Path target = dir.resolve(f);
            if (source != null) {
                Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.writeString(target, switch (f) {
                    case "psk.conf" -> "allow_anonymous false\npassword_file passwords.txt\n\n"
                            + "# Pre-shared-key TLS on the default secure port\nlistener 8883\npsk_hint tern-example\n"
                            + "psk_file psk.txt\n";
                    case "passwords.txt" -> "sensor1:sensorpass1\nsensor2:sensorpass2\n";
                    default -> "sensor1:" + KEY + "\n";
                });
            }
            if (f.equals("psk.conf")) {
                conf = target;
            }
        }
        assertThat(PasswdCommand.run("-U", dir.resolve("passwords.txt").toString())).isZero();
        String text = Files.readString(conf);
        assertThat(text).contains("listener 8883\n");
        return Brokers.fromConfig(dir, text.replace("listener 8883\n", "listener " + Brokers.freePort() + " 127.0.0.1\n"));
    }

    private static List<String> client(Path tool, int port, String key, String password, String... rest) {
        List<String> cmd = Processes.list(tool, "-h", "127.0.0.1", "-p", port, "--psk", key,
                "--psk-identity", "sensor1", "-u", "sensor1", "-P", password);
        cmd.addAll(List.of(rest));
        return cmd;
    }

    @Test
    void mosquittoPubAndSubExchangeAMessageOverPsk() throws Exception {
        Processes.assumeExecutable(Processes.MOSQUITTO_SUB, "apt-get install mosquitto-clients");
        String topic = Brokers.topic("psk");
        try (Broker broker = start(); LogCapture log = new LogCapture()) {
            int port = broker.port();
            try (Processes.Background sub = new Processes.Background(java.util.Map.of(),
                    client(Processes.MOSQUITTO_SUB, port, KEY, "sensorpass1", "-i", "psk-sub", "-t", topic, "-C", "1",
                            "-W", "20"))) {
                // the broker logs the subscription (log_type subscribe): from then on the message is routed to it
                log.awaitLine("psk-sub 0 " + topic);
                Processes.Result pub = Processes.run(Duration.ofSeconds(20), client(Processes.MOSQUITTO_PUB, port, KEY,
                        "sensorpass1", "-i", "psk-pub", "-t", topic, "-m", "over TLS-PSK").toArray(String[]::new));
                assertThat(pub.exitCode()).as(pub.output()).isZero();
                assertThat(sub.awaitExit(Duration.ofSeconds(20))).as(sub.output()).isZero();
                assertThat(sub.output().strip()).isEqualTo("over TLS-PSK");
            }
        }
    }

    @Test
    void aWrongKeyOrAWrongPasswordIsRefused() throws Exception {
        Processes.assumeExecutable(Processes.MOSQUITTO_PUB, "apt-get install mosquitto-clients");
        try (Broker broker = start()) {
            int port = broker.port();
            Processes.Result wrongKey = Processes.run(Duration.ofSeconds(20), client(Processes.MOSQUITTO_PUB, port,
                    "0123456789abcdef0124", "sensorpass1", "-t", "t", "-m", "x").toArray(String[]::new));
            assertThat(wrongKey.exitCode()).as(wrongKey.output()).isNotZero();
            // psk.conf also has a password file: the PSK gets the client through TLS, the password into MQTT
            Processes.Result wrongPassword = Processes.run(Duration.ofSeconds(20), client(Processes.MOSQUITTO_PUB, port,
                    KEY, "not-the-password", "-t", "t", "-m", "x").toArray(String[]::new));
            assertThat(wrongPassword.exitCode()).as(wrongPassword.output()).isNotZero();
            assertThat(wrongPassword.output()).contains("not authorised"); // CONNACK 5, as Mosquitto answers
            Processes.Result right = Processes.run(Duration.ofSeconds(20), client(Processes.MOSQUITTO_PUB, port,
                    KEY, "sensorpass1", "-t", "t", "-m", "x").toArray(String[]::new));
            assertThat(right.exitCode()).as(right.output()).isZero();
        }
    }
}
