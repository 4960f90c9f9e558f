package io.tern.broker.transport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/** Runs Debian's mosquitto_pub with a bound on its run time. */
final class MosquittoClients {

    static final Path PUB = Path.of("/usr/bin/mosquitto_pub");

    record Result(int exitCode, String output) {
    }

    private MosquittoClients() {
    }

    static void assumePresent() {
        Assumptions.assumeTrue(Files.isExecutable(PUB), "SKIPPED: " + PUB + " is not installed (apt-get install mosquitto-clients)");
    }

    static Result pub(String... args) throws Exception {
        assumePresent();
        List<String> command = new ArrayList<>();
        command.add(PUB.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("mosquitto_pub did not finish within 30 s: " + command);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println("[mosquitto_pub exit " + p.exitValue() + "] " + out.strip());
        return new Result(p.exitValue(), out);
    }
}
