package io.tern.console;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Node.js and the repository's e2e/ scripts (MQTT.js, playwright-core, a Prometheus text parser). */
final class Node {

    static final Path E2E = findE2e();
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private Node() {
    }

    private static Path findE2e() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("e2e")) && Files.exists(p.resolve("pom.xml"))) {
                return p.resolve("e2e");
            }
        }
        return null;
    }

    /** {@link #assume()}, and the npm package {@code name} installed in e2e/node_modules. */
    static Path assume(String name) {
        Path node = assume();
        boolean ok = Files.isDirectory(E2E.resolve("node_modules").resolve(name));
        if (!ok) {
            System.err.println("SKIPPED: e2e/node_modules lacks " + name + " (npm ci --prefix e2e)");
        }
        Assumptions.assumeTrue(ok, "needs " + name + " in e2e/node_modules (npm ci --prefix e2e)");
        return node;
    }

    /** The node binary; skips the test, visibly, without node or e2e/node_modules. */
    static Path assume() {
        Path node = null;
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path c = Path.of(d, "node");
            if (Files.isExecutable(c)) {
                node = c;
                break;
            }
        }
        boolean ok = node != null && E2E != null && Files.isDirectory(E2E.resolve("node_modules"));
        if (!ok) {
            System.err.println("SKIPPED: needs node and e2e/node_modules (npm ci --prefix e2e)");
        }
        Assumptions.assumeTrue(ok, "needs node and e2e/node_modules (npm ci --prefix e2e)");
        return node;
    }
}
