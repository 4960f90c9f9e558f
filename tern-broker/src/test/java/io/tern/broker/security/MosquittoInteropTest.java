package io.tern.broker.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written by tern-passwd work in a real Debian mosquitto broker. */
class MosquittoInteropTest {
    @TempDir
    Path dir;

    private static int passwd(String... args) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        return PasswdCommand.run(new ByteArrayInputStream(new byte[0]), new PrintStream(sink, true, UTF_8),
                new PrintStream(sink, true, UTF_8), args);
    }

    @Test
    void mosquittoAcceptsPasswordsWrittenByTernPasswd() throws Exception {
        MosquittoTools.assumeInstalled(MosquittoTools.BROKER);
        MosquittoTools.assumeInstalled(MosquittoTools.PUB);
        Path pw = dir.resolve("passwords");
        // default cost (210,000 iterations) on purpose: Mosquitto must honour the stored count
        assertThat(passwd("-c", "-b", pw.toString(), "alice", "alice pw")).isZero();
        assertThat(passwd("-H", "sha512", "-b", pw.toString(), "bob", "bøb")).isZero();
        assertThat(Files.readString(pw)).contains("alice:$7$210000$", "bob:$6$");

        try (MosquittoTools.Broker broker = new MosquittoTools.Broker(dir,
                "allow_anonymous false", "password_file " + pw)) {
            assertThat(broker.publish("c1", "alice", "alice pw")).as("right password, $7$").isZero();
            assertThat(broker.publish("c2", "bob", "bøb")).as("right password, $6$").isZero();
            assertThat(broker.publish("c3", "alice", "alice PW")).as("wrong password").isNotZero();
            assertThat(broker.publish("c4", "bob", "bob")).as("wrong password, $6$").isNotZero();
            assertThat(broker.publish("c5", "carol", "alice pw")).as("unknown user").isNotZero();
        }
    }
}
