package io.tern.broker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Interoperability with Debian's mosquitto_pub and mosquitto_sub, the tools Mosquitto users script with. */
class MosquittoClientsTest {

    private static final String PUB = "/usr/bin/mosquitto_pub";
    private static final String SUB = "/usr/bin/mosquitto_sub";

    private TestBroker broker;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        boolean present = new File(PUB).canExecute() && new File(SUB).canExecute();
        if (!present) {
            System.out.println("SKIPPED: mosquitto-clients are not installed (apt-get install mosquitto-clients)");
        }
        assumeTrue(present, "mosquitto-clients not installed");
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private Process start(List<String> cmd, Path out) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (out != null) {
            pb.redirectOutput(out.toFile());
        }
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private int run(String... cmd) throws Exception {
        Process p = start(List.of(cmd), null);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("%s finished", String.join(" ", cmd)).isTrue();
        return p.exitValue();
    }

    private Process subscribe(Path out, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SUB, "-h", "127.0.0.1", "-p", Integer.toString(broker.port())));
        cmd.addAll(List.of(extra));
        Process p = start(cmd, out);
        // the subscription is in place once the broker's tree has it
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> broker.broker.tree().size() > 0);
        return p;
    }

    private String port() { return Integer.toString(broker.port()); }

    @Test
    void lineModePublishesOneMessagePerLineInOrder(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path out = dir.resolve("sub.txt");
        Process sub = subscribe(out, "-t", "sensors/#", "-v", "-C", "3", "-q", "1");
        Path input = dir.resolve("lines.txt");
        Files.writeString(input, "21.5\n21.6\n21.7\n");
        Process pub = new ProcessBuilder(PUB, "-h", "127.0.0.1", "-p", port(), "-t", "sensors/lm75b", "-l", "-q", "1")
                .redirectInput(input.toFile()).redirectErrorStream(true).start();
        processes.add(pub);
        assertThat(pub.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(pub.exitValue()).isZero();
        assertThat(sub.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out, StandardCharsets.UTF_8))
                .isEqualTo("sensors/lm75b 21.5\nsensors/lm75b 21.6\nsensors/lm75b 21.7\n");
    }

    @Test
    void mqtt31ClientsPublishAndSubscribe(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path out = dir.resolve("sub.txt");
        Process sub = subscribe(out, "-V", "mqttv31", "-t", "old/#", "-C", "1", "-i", "old-sub");
        assertThat(run(PUB, "-h", "127.0.0.1", "-p", port(), "-V", "mqttv31", "-t", "old/x", "-m", "hi",
                "-i", "old-pub", "-q", "2")).isZero();
        assertThat(sub.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out)).isEqualTo("hi\n");
    }

    @Test
    void retainedMessageFromMosquittoPubReachesALaterMosquittoSub(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        assertThat(run(PUB, "-h", "127.0.0.1", "-p", port(), "-t", "home/led", "-m", "on", "-r", "-q", "1")).isZero();
        Path out = dir.resolve("sub.txt");
        Process sub = start(List.of(SUB, "-h", "127.0.0.1", "-p", port(), "-t", "home/#", "-v", "-C", "1",
                "-F", "%t %p %q %r"), out);
        assertThat(sub.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out)).isEqualTo("home/led on 0 1\n"); // mosquitto_sub subscribes at QoS 0
    }

    @Test
    void mqtt5ClientsExchangeUserPropertiesAndExpiry(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path out = dir.resolve("sub.txt");
        Process sub = subscribe(out, "-V", "mqttv5", "-t", "v5/#", "-C", "1", "-F", "%t %p %P");
        assertThat(run(PUB, "-h", "127.0.0.1", "-p", port(), "-V", "mqttv5", "-t", "v5/a", "-m", "x",
                "-D", "publish", "user-property", "k", "v", "-D", "publish", "message-expiry-interval", "60"))
                .isZero();
        assertThat(sub.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out)).isEqualTo("v5/a x k:v\n");
    }

    @Test
    void subscribeTimeoutExitsAs27WhenNothingArrives() throws Exception {
        // -W: mosquitto_sub's own timeout; the broker must keep the connection open meanwhile
        assertThat(run(SUB, "-h", "127.0.0.1", "-p", port(), "-t", "quiet/#", "-W", "1")).isEqualTo(27);
    }
}
