package io.tern.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console in headless Chromium (playwright-core, e2e/console-browser.js) against a real broker: log in
 * (a wrong password first), see a topic a Paho client publishes appear in the tree with its value, publish from
 * the form and receive it in Paho, kick a Paho client, delete a retained message, trace a topic nobody
 * subscribes to. Screenshots go to
 * target/screenshots.
 */
class ConsoleBrowserTest {

    @TempDir
    Path dir;

    @Test
    void anOperatorUsesTheConsoleInChromium() throws Exception {
        Path node = Node.assume("playwright-core");
        boolean chromium = Files.isExecutable(Node.CHROMIUM);
        if (!chromium) {
            System.err.println("SKIPPED: /usr/bin/chromium is not installed (apt-get install chromium)");
        }
        Assumptions.assumeTrue(chromium, "needs /usr/bin/chromium");
        Path shots = Path.of("target", "screenshots").toAbsolutePath();
        try (ConsoleFixture f = new ConsoleFixture(dir, "")) {
            BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
            MqttClient watcher = f.paho("console-watcher", true);
            watcher.setCallback(AdminApiTest.callback(null, inbox));
            watcher.subscribe("console/from/#", 1);
            MqttClient victim = f.paho("kick-target", true);
            CountDownLatch kicked = new CountDownLatch(1);
            victim.setCallback(AdminApiTest.callback(kicked, null));
            MqttClient sensor = f.paho("console-sensor", true);
            sensor.publish("console/retained/old", "stale".getBytes(StandardCharsets.UTF_8), 1, true);
            sensor.publish("console/json/reading", "{\"t\":21.5,\"unit\":\"C\",\"ok\":true}".getBytes(StandardCharsets.UTF_8), 1, true);
            for (int i = 0; i < 5; i++) {
                sensor.publish("home/room" + i + "/light", (i % 2 == 0 ? "on" : "off").getBytes(StandardCharsets.UTF_8), 0, true);
            }

            ProcessBuilder pb = new ProcessBuilder(node.toString(), Node.E2E.resolve("console-browser.js").toString(),
                    f.url("/"), ConsoleFixture.ADMIN, ConsoleFixture.ADMIN_PASSWORD, shots.toString())
                    .redirectErrorStream(true);
            pb.environment().put("TERN_E2E_CHROMIUM", Node.CHROMIUM.toString());
            Process p = pb.start();
            p.getOutputStream().close();
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (java.io.IOException e) {
                    lines.add("(output lost: " + e + ")");
                }
            });
            reader.setDaemon(true);
            reader.start();
            try {
                await(lines, p, "LOGIN_REFUSED bad user name or password", Duration.ofSeconds(90));
                f.log.await("Console login failed for user 'admin' from 127.0.0.1.");
                await(lines, p, "LOGGED_IN admin", Duration.ofSeconds(30));
                // a live (not retained) value: published until the page has shown it, at most 30 s
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (lines.stream().noneMatch(l -> l.startsWith("SAW_TOPIC")) && System.nanoTime() < end && p.isAlive()) {
                    sensor.publish("console/live/temperature", "21.5".getBytes(StandardCharsets.UTF_8), 0, false);
                    Awaitility.await().pollDelay(Duration.ofMillis(250)).atMost(Duration.ofSeconds(1)).until(() -> true);
                }
                await(lines, p, "SAW_TOPIC console/live/temperature 21.5", Duration.ofSeconds(5));
                await(lines, p, "PUBLISHED", Duration.ofSeconds(30));
                assertThat(inbox.poll(10, TimeUnit.SECONDS)).isEqualTo("console/from/browser hello from chromium");
                await(lines, p, "KICKED", Duration.ofSeconds(30));
                assertThat(kicked.await(10, TimeUnit.SECONDS)).as("Paho saw the kick").isTrue();
                await(lines, p, "DELETED", Duration.ofSeconds(30));
                assertThat(f.admin("GET", "/api/v1/retained/message?topic=console/retained/old", null).statusCode())
                        .isEqualTo(404);
                await(lines, p, "TRACE_STARTED", Duration.ofSeconds(30));
                sensor.publish("console/trace/unheard", "anyone?".getBytes(StandardCharsets.UTF_8), 1, false);
                await(lines, p, "TRACE_SEEN console/trace/unheard", Duration.ofSeconds(30));
                await(lines, p, "DONE", Duration.ofSeconds(30));
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
                assertThat(lines).noneMatch(l -> l.startsWith("PAGE ERROR"));
            } finally {
                p.destroyForcibly();
            }
            assertThat(shots.resolve("console.png")).exists();
            assertThat(new ObjectMapper().readTree(f.admin("GET", "/api/v1/clients/kick-target", null).body())
                    .path("connected").asBoolean(false)).isFalse();
            for (MqttClient c : List.of(watcher, sensor)) {
                c.disconnect();
                c.close();
            }
            victim.close();
        }
    }

    private static void await(List<String> lines, Process p, String line, Duration limit) {
        Awaitility.await("line '" + line + "' from the browser script").atMost(limit).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (lines.contains(line)) {
                        return true;
                    }
                    if (!p.isAlive() && !lines.contains(line)) {
                        throw new AssertionError("browser script ended (exit " + p.exitValue() + ") without '" + line
                                + "': " + String.join("\n", lines));
                    }
                    if (lines.stream().anyMatch(l -> l.startsWith("FAILED"))) {
                        throw new AssertionError(String.join("\n", lines));
                    }
                    return false;
                });
    }
}
