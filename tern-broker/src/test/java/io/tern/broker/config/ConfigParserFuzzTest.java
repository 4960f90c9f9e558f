package io.tern.broker.config;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fuzz target for the mosquitto.conf reader: any bytes give either a configuration or problems that each
 * name the file, the line and a reason; {@code parse} fails exactly when {@code check} (what
 * {@code --test-config} runs) reports a problem, and with the first of them. Nothing else may be thrown.
 *
 * <p>The normal test run replays {@code src/test/resources/io/tern/broker/config/ConfigParserFuzzTestInputs};
 * {@code -Pfuzz} runs a campaign (see the root pom).
 */
class ConfigParserFuzzTest {

    /** One directory per JVM: the fuzzer runs millions of inputs, each rewrites the same file. */
    private static final Path DIR;
    private static final Path CONF;

    static {
        try {
            DIR = Files.createTempDirectory("tern-conf-fuzz");
            DIR.toFile().deleteOnExit();
            Path d = Files.createDirectories(DIR.resolve("d"));
            Files.writeString(d.resolve("a.conf"), "max_queued_messages 10\n");
            Files.writeString(d.resolve("b.conf"), "listener 1884\nprotocol websockets\n");
            CONF = DIR.resolve("main.conf");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void mosquittoConf(byte[] input) throws IOException {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        if (text.contains("include_dir") && !text.matches("(?s).*include_dir[ \t]+d(\\s.*)?")) {
            return; // only the prepared directory: the campaign must not read the machine's files
        }
        Files.write(CONF, input);
        List<ConfigProblem> problems = ConfigParser.check(CONF);
        for (ConfigProblem p : problems) {
            if (p.reason().isBlank()) {
                throw new AssertionError("problem without a reason at " + p.location());
            }
        }
        try {
            ConfigParser.parse(CONF);
            if (!problems.isEmpty()) {
                throw new AssertionError("parse accepted what --test-config reports: " + problems);
            }
        } catch (ConfigException e) {
            if (problems.isEmpty()) {
                throw new AssertionError("parse failed (" + e.getMessage() + ") where --test-config found nothing");
            }
            if (e.reason() == null || e.reason().isBlank()) {
                throw new AssertionError("rejected without a reason", e);
            }
        }
    }
}
