package io.tern.dynsec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tern.broker.Broker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

/**
 * With {@code per_listener_settings true} the plugin applies to the listener it is written under, as in
 * Mosquitto: its clients are checked by it and may manage it; another listener keeps its own settings and has no
 * {@code $CONTROL/dynamic-security/v1} (a request there goes unanswered).
 */
class PerListenerTest {

    @Test
    void thePluginBelongsToItsListener(@TempDir Path dir) throws Exception {
        Brokers.assumeMosquitto();
        Path file = Brokers.initFile(dir, "dynsec.json");
        int secured = Brokers.freePort();
        int open = Brokers.freePort();
        String conf = "per_listener_settings true\n"
                + Brokers.conf(secured, file)
                + "listener " + open + " 127.0.0.1\nallow_anonymous true\n";
        try (Broker tern = Brokers.tern(dir, conf)) {
            assertThat(Brokers.ctrl(secured, "createClient", "x", "-p", "y")).doesNotContain("Error");
            assertThat(pub(secured)).as("anonymous on the plugin's listener").isNotZero();
            assertThat(pub(open)).as("anonymous on the other listener").isZero();
            Brokers.Result unanswered = Brokers.run(Duration.ofSeconds(20), Brokers.RR.toString(), "-h", "127.0.0.1",
                    "-p", String.valueOf(open), "-t", DynamicSecurity.TOPIC, "-e", DynamicSecurity.RESPONSE_TOPIC,
                    "-W", "2", "-m", "{\"commands\":[{\"command\":\"listClients\"}]}");
            assertThat(unanswered.output()).doesNotContain("responses");
        }
    }

    private static int pub(int port) throws Exception {
        return Brokers.run(Duration.ofSeconds(20), "/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p",
                String.valueOf(port), "-t", "a", "-m", "1", "-q", "1").exitCode();
    }
}
