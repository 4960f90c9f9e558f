package io.tern.console;

import io.tern.broker.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tern --test-config} with tern-console on the class path: an http listener is served, bad lines are named. */
class ConsoleConfigCheckTest {

    @TempDir
    Path dir;

    @Test
    void anHttpListenerIsValidWithTheConsoleAndBadOptionsAreReportedWithFileAndLine() throws Exception {
        Path good = dir.resolve("good.conf");
        Files.writeString(good, "listener 1883\nlistener 8080 127.0.0.1\nprotocol http\nhttp_metrics_public true\n");
        assertThat(testConfig(good)).startsWith("0 ").contains("configuration is valid");
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "listener 8080\nprotocol http\nmetrics_topic_prefixes a/+\nhttp_metrics_public yes\n");
        String out = testConfig(bad);
        assertThat(out).startsWith("1 ")
                .contains("Error: " + bad + ":3: metrics_topic_prefixes: 'a/+' contains a wildcard character")
                .contains("Error: " + bad + ":4: http_metrics_public: 'yes' is not a boolean (true or false)");
    }

    private static String testConfig(Path conf) {
        PrintStream was = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run("-c", conf.toString(), "--test-config");
            return code + " " + buf.toString(StandardCharsets.UTF_8);
        } finally {
            System.setErr(was);
        }
    }
}
