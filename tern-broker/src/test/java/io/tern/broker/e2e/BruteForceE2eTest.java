package io.tern.broker.e2e;

import io.tern.broker.RawClient;
import io.tern.broker.Broker;
import io.tern.broker.security.PasswdCommand;
import io.tern.codec.MqttVersion;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/** A password guesser hammering the broker neither locks others out nor learns which usernames exist. */
class BruteForceE2eTest {

    static final int ATTEMPTS = 1000;
    static final int THREADS = 4;

    @TempDir
    Path dir;

    @Test
    void aThousandWrongPasswordsNeitherBlockOthersNorRevealWhichUsersExist() throws Exception {
        Path pw = dir.resolve("passwords");
        // 1,000 PBKDF2 iterations instead of the default 210,000 (~130 ms a check on these machines): the broker
        // hashes on a small executor, and 1,000 default-cost guesses would take minutes. The cost changes only
        // how long each guess takes, not what the broker answers or how it schedules the work.
        assertThat(PasswdCommand.run("-I", "1000", "-c", "-b", pw.toString(), "alice", "alice-secret")).isZero();
        assertThat(PasswdCommand.run("-I", "1000", "-b", pw.toString(), "bob", "bob-secret")).isZero();
        try (Broker broker = Brokers.fromConfig(dir, "listener " + Brokers.freePort() + " 127.0.0.1\n"
                + "allow_anonymous false\n"
                + "password_file passwords\n")) {
            int port = broker.port();
            // CONNACK return code -> how often, separately for a real username and for made-up ones
            Map<Integer, LongAdder> existing = new ConcurrentHashMap<>();
            Map<Integer, LongAdder> unknown = new ConcurrentHashMap<>();
            AtomicInteger done = new AtomicInteger();
            ExecutorService guessers = Executors.newFixedThreadPool(THREADS);
            Future<?>[] runs = new Future<?>[THREADS];
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                runs[t] = guessers.submit(() -> {
                    for (int i = thread; i < ATTEMPTS; i += THREADS) {
                        boolean real = i % 2 == 0;
                        String user = real ? "alice" : "user" + i;
                        int code = RawClient.connectOnce(port, MqttVersion.MQTT_3_1_1, "guess-" + i, user, "guess" + i)
                                .reasonCode();
                        (real ? existing : unknown).computeIfAbsent(code, k -> new LongAdder()).increment();
                        done.incrementAndGet();
                    }
                    return null;
                });
            }
            guessers.shutdown();
            try {
                // once the guessing is well under way, a legitimate client connects and exchanges a message
                Awaitility.await("guessing under way").atMost(Duration.ofSeconds(60)).until(() -> done.get() >= 100);
                String topic = Brokers.topic("brute");
                String uri = "tcp://127.0.0.1:" + port;
                try (PahoClient bob = PahoClient.connect(uri, "bob-1", "bob", "bob-secret");
                     PahoClient alice = PahoClient.connect(uri, "alice-1", "alice", "alice-secret")) {
                    assertThat(bob.subscribe(topic, 1)).isEqualTo(1);
                    alice.publish(topic, "still here", 1);
                    assertThat(bob.next()).isEqualTo(topic + " still here");
                }
                System.out.println("[brute force] legitimate exchange done after " + done.get() + " of " + ATTEMPTS
                        + " guesses");
                assertThat(guessers.awaitTermination(120, TimeUnit.SECONDS)).as("all guesses answered in 120 s").isTrue();
                for (Future<?> f : runs) {
                    f.get();
                }
            } finally {
                guessers.shutdownNow();
            }
            assertThat(done.get()).isEqualTo(ATTEMPTS);
            // every guess got the same answer, "not authorised" (5) as from Mosquitto, whether the user exists or not
            assertThat(existing.keySet()).containsExactly(5);
            assertThat(unknown.keySet()).containsExactly(5);
            assertThat(existing.get(5).sum() + unknown.get(5).sum()).isEqualTo(ATTEMPTS);
        }
    }
}
