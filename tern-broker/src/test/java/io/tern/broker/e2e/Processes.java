package io.tern.broker.e2e;

import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/** Third-party programs the end-to-end tests run, always with a bound on their run time. */
final class Processes {

    static final Path MOSQUITTO_PASSWD = Path.of("/usr/bin/mosquitto_passwd");
    static final Path MOSQUITTO_PUB = Path.of("/usr/bin/mosquitto_pub");
    static final Path MOSQUITTO_SUB = Path.of("/usr/bin/mosquitto_sub");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    /** The repository's root, found from the module's working directory (null if not found). */
    static final Path REPO_ROOT = findRepoRoot();

    /** The repository's e2e/ folder (Node scripts). */
    static final Path E2E_DIR = REPO_ROOT == null ? null : REPO_ROOT.resolve("e2e");

    record Result(int exitCode, String output) {
    }

    private Processes() {
    }

    /** Skips the test, visibly, when a program is not installed. */
    static void assumeExecutable(Path program, String install) {
        boolean present = Files.isExecutable(program);
        if (!present) {
            System.err.println("SKIPPED: " + program + " is not installed (" + install + ")");
        }
        Assumptions.assumeTrue(present, program + " is not installed (" + install + ")");
    }

    /** Skips unless node and e2e/node_modules are there. */
    static Path assumeNode() {
        Path node = which("node");
        boolean ok = node != null && E2E_DIR != null && Files.isDirectory(E2E_DIR.resolve("node_modules"));
        if (!ok) {
            System.err.println("SKIPPED: needs node and e2e/node_modules (apt-get install nodejs npm; npm ci --prefix e2e)");
        }
        Assumptions.assumeTrue(ok, "needs node and e2e/node_modules (npm ci --prefix e2e)");
        return node;
    }

    /** Runs to completion within {@code limit}; output and errors together. */
    static Result run(Duration limit, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try {
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(List.of(command) + " did not finish within " + limit);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.exitValue(), out);
        } finally {
            p.destroyForcibly();
        }
    }

    /** A program running in the background whose output lines are collected as they come. */
    static final class Background implements AutoCloseable {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final Thread reader;

        Background(Map<String, String> env, List<String> command) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(env);
            process = pb.start();
            process.getOutputStream().close();
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("(output lost: " + e + ")");
                }
            }, "e2e-output-" + command.get(0));
            reader.setDaemon(true);
            reader.start();
        }

        Background(String... command) throws IOException {
            this(Map.of(), List.of(command));
        }

        /** Waits until a line contains {@code prefix}; fails early if the program ends first. */
        String awaitLine(String prefix, Duration limit) {
            Awaitility.await("output line '" + prefix + "...' from " + process.info().command().orElse("?"))
                    .atMost(limit).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        if (lines.stream().anyMatch(l -> l.contains(prefix))) {
                            return true;
                        }
                        if (!process.isAlive()) {
                            reader.join(1000);
                            if (lines.stream().noneMatch(l -> l.contains(prefix))) {
                                throw new AssertionError("ended (exit " + process.exitValue() + ") without '" + prefix
                                        + "'; output: " + lines);
                            }
                        }
                        return lines.stream().anyMatch(l -> l.contains(prefix));
                    });
            return lines.stream().filter(l -> l.contains(prefix)).findFirst().orElseThrow();
        }

        /** Waits (bounded) for the exit code. */
        int awaitExit(Duration limit) throws InterruptedException {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("did not finish within " + limit + "; output: " + lines);
            }
            reader.join(2000);
            return process.exitValue();
        }

        String output() { return String.join("\n", lines); }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(5, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    static Path which(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static List<String> list(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object o : parts) {
            out.add(String.valueOf(o));
        }
        return out;
    }

    private static Path findRepoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 3 && dir != null; i++, dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("e2e/package.json"))) {
                return dir;
            }
        }
        return null;
    }
}
