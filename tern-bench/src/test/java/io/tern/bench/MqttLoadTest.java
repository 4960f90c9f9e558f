package io.tern.bench;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The outside load generator (bench/mqtt-load.c, C, epoll, its own MQTT 3.1.1 codec) and tern-bench run
 * the issue's fan-in scenario (10 publishers, up to 100 unacknowledged each, 1 subscriber on bench/#, clean
 * sessions) against one broker with max_inflight_messages 0: both must count every message once and define
 * the rate the same way, unique messages / (last receipt - first publish). No timing is asserted.
 */
class MqttLoadTest {

    private static Path tool;
    private Broker broker;

    @BeforeAll
    static void compile() throws Exception {
        Path src = Path.of("..", "bench", "mqtt-load.c").toAbsolutePath().normalize();
        assertThat(src).exists();
        assumeTrue(onPath("gcc"), "gcc is not installed; bench/compare.sh needs it too");
        Path out = Path.of("target", "mqtt-load").toAbsolutePath();
        Files.createDirectories(out.getParent());
        Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-Werror", "-o", out.toString(), src.toString())
                .redirectErrorStream(true).start();
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(gcc.exitValue()).as("gcc: %s", log).isZero();
        tool = out;
    }

    private static boolean onPath(String cmd) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }

    @BeforeEach
    void startBroker() throws Exception {
        BrokerConfig cfg = new BrokerConfig();
        cfg.addListener(BenchSmokeTest.ephemeralListener());
        cfg.allowAnonymous(true);
        cfg.maxInflightMessages(0);
        cfg.maxQueuedMessages(1_000_000);
        broker = Broker.builder().config(cfg).build().start();
    }

    @AfterEach
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @ParameterizedTest(name = "fan-in QoS {0}")
    @ValueSource(ints = {1, 2})
    void bothToolsCountTheIssuesScenarioAlike(int qos) throws Exception {
        String json = runTool("fanin", "-p", Integer.toString(broker.port()), "-c", "10", "-n", "2000",
                "-q", Integer.toString(qos), "-s", "64", "-w", "100", "-t", "60");
        assertThat(number(json, "unique")).isEqualTo(20_000);
        assertThat(number(json, "expected")).isEqualTo(20_000);
        assertThat(number(json, "acked")).isEqualTo(20_000);
        assertThat(number(json, "lost")).isZero();
        assertThat(number(json, "dup")).isZero();
        assertThat(number(json, "out_of_order")).isZero();
        assertThat(number(json, "msgs_per_s")).isCloseTo(20_000 / number(json, "seconds"),
                org.assertj.core.data.Percentage.withPercentage(1));

        BenchParams p = new BenchParams();
        p.scenario = Scenario.FANIN;
        p.port = broker.port();
        p.clients = 10;
        p.count = 2000;
        p.qos = qos;
        p.inflight = 100;
        p.durationS = 60;
        p.drainS = 10;
        BenchResult r = new BenchRun(p, null).run();
        assertThat(r.errors()).isEmpty();
        assertThat(r.acked()).isEqualTo(20_000);
        assertThat(r.unique()).isEqualTo(20_000);
        assertThat(r.lost()).isZero();
        assertThat(r.duplicates()).isZero();
        assertThat(r.msgsPerSecond()).isCloseTo(r.unique() / r.receiveSeconds(),
                org.assertj.core.data.Percentage.withPercentage(0.01));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fanout", "latency"})
    void fanOutAndFixedRateRunsAreLossless(String scenario) throws Exception {
        List<String> args = new ArrayList<>(List.of(scenario, "-p", Integer.toString(broker.port()), "-q", "1"));
        if (scenario.equals("fanout")) {
            args.addAll(List.of("-c", "20", "-n", "500"));
        } else {
            args.addAll(List.of("-r", "2000", "-d", "1", "-w", "1000"));
        }
        String json = runTool(args.toArray(String[]::new));
        long expected = scenario.equals("fanout") ? 20 * 500 : 2000;
        assertThat(number(json, "unique")).isEqualTo(expected);
        assertThat(number(json, "lost")).isZero();
        assertThat(number(json, "dup")).isZero();
        if (scenario.equals("latency")) {
            assertThat(number(json, "p99")).isGreaterThanOrEqualTo(number(json, "p50")).isPositive();
        }
    }

    @org.junit.jupiter.api.Test
    void connHoldsIdleConnectionsAndReportsTheirRate() throws Exception {
        String json = runTool("conn", "-p", Integer.toString(broker.port()), "-c", "300", "-d", "0.2", "-t", "60");
        assertThat(number(json, "connected")).isEqualTo(300);
        assertThat(number(json, "connect_rate")).isPositive();
    }

    private static String runTool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("mqtt-load ends by itself").isTrue();
        assertThat(p.exitValue()).as("mqtt-load exit status, output: %s", out).isZero();
        return out;
    }

    private static double number(String json, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":(-?[0-9.]+)").matcher(json);
        assertThat(m.find()).as("field %s in %s", field, json).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
