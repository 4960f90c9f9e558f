package io.tern.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The example configurations real Mosquitto users run (shared/examples beside the repository) parse unchanged.
 * Skipped, visibly, when that directory is not there.
 */
class ExampleConfigsTest {

    /**
     * {@code shared/examples} beside the repository root ({@code ../shared/examples} from the root; from this
     * module that is {@code ../../shared/examples}): the first {@code shared/examples} found walking up from the
     * working directory, or null.
     */
    static Path examplesDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("examples");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static List<Path> examples() throws IOException {
        Path dir = examplesDir();
        assumeTrue(dir != null, "shared/examples not found above " + Path.of("").toAbsolutePath() + ": skipping");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".conf")).sorted().toList();
        }
    }

    @Test
    void everyExampleParsesWithoutProblems() throws Exception {
        List<Path> confs = examples();
        assertThat(confs).isNotEmpty();
        for (Path conf : confs) {
            assertThat(ConfigParser.check(conf)).as(conf.toString()).isEmpty();
            BrokerConfig c = ConfigParser.parse(conf);
            assertThat(c.effectiveListeners()).as(conf.toString()).isNotEmpty();
        }
    }

    @Test
    void examplesMeanWhatMosquittoMeans() throws Exception {
        Path dir = examplesDir();
        assumeTrue(dir != null, "shared/examples not found: skipping");
        if (Files.exists(dir.resolve("anonymous.conf"))) {
            BrokerConfig c = ConfigParser.parse(dir.resolve("anonymous.conf"));
            assertThat(c.effectiveListeners()).extracting(ListenerConfig::port).containsExactly(1883);
            assertThat(c.allowAnonymous()).isTrue();
        }
        if (Files.exists(dir.resolve("websockets.conf"))) {
            BrokerConfig c = ConfigParser.parse(dir.resolve("websockets.conf"));
            assertThat(c.persistence()).isTrue();
            assertThat(c.effectiveListeners()).extracting(ListenerConfig::protocol)
                    .contains(ListenerProtocol.WEBSOCKETS);
        }
        if (Files.exists(dir.resolve("psk.conf"))) {
            BrokerConfig c = ConfigParser.parse(dir.resolve("psk.conf"));
            assertThat(c.effectiveListeners()).anySatisfy(l -> assertThat(l.usesPsk()).isTrue());
            assertThat(c.pskFile()).isNotNull();
        }
    }
}
