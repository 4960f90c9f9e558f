package io.tern.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential check against the real broker: for each bad configuration that Mosquitto also refuses,
 * mosquitto must name the same line ("Error found at FILE:LINE."). Mosquitto stops at the configuration, so it
 * never opens a port here. Skipped when mosquitto is not installed.
 */
class MosquittoAgreementTest {

    private static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");

    @TempDir
    Path dir;

    static Stream<ConfigParserErrorsTest.BadConfig> refusedByBoth() {
        return ConfigParserErrorsTest.badConfigs().filter(ConfigParserErrorsTest.BadConfig::mosquittoRefuses);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedByBoth")
    void mosquittoRefusesTheSameLine(ConfigParserErrorsTest.BadConfig bad) throws Exception {
        assumeTrue(Files.isExecutable(MOSQUITTO), "mosquitto is not installed at " + MOSQUITTO + ": skipping the differential check");
        Path file = dir.resolve("t.conf");
        ConfigParserErrorsTest.writeRaw(file, bad.text());
        Process p = new ProcessBuilder(MOSQUITTO.toString(), "-c", file.toString())
                .redirectErrorStream(true)
                .start();
        try {
            boolean exited = p.waitFor(10, TimeUnit.SECONDS);
            assertThat(exited).as("mosquitto should stop at the configuration error").isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(out).contains("Error found at " + file + ":" + bad.line() + ".");
        } finally {
            p.destroyForcibly();
        }
    }

}
