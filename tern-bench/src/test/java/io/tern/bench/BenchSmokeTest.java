package io.tern.bench;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Short runs against an in-process Tern broker: correctness of the bench and its accounting, no timing. */
class BenchSmokeTest {

    private Broker broker;

    @BeforeEach
    void startBroker() throws Exception {
        BrokerConfig cfg = new BrokerConfig();
        cfg.addListener(ephemeralListener());
        cfg.allowAnonymous(true);
        broker = Broker.builder().config(cfg).build().start();
    }

    @AfterEach
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Port 0 where the broker's config accepts it; otherwise a port that was free a moment ago. */
    static ListenerConfig ephemeralListener() throws IOException {
        try {
            return new ListenerConfig(0, "127.0.0.1");
        } catch (IllegalArgumentException portZeroRefused) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return new ListenerConfig(s.getLocalPort(), "127.0.0.1");
            }
        }
    }

    private BenchParams params(Scenario s) {
        BenchParams p = new BenchParams();
        p.scenario = s;
        p.port = broker.port();
        p.durationS = 20;
        p.drainS = 10;
        p.connectTimeoutS = 10;
        p.threads = 2;
        return p;
    }

    @ParameterizedTest(name = "fanin QoS {0}, protocol {1}")
    @CsvSource({"1, 4", "2, 5", "0, 4"})
    void faninDeliversEveryMessageOnceInOrder(int qos, int protocol) throws Exception {
        BenchParams p = params(Scenario.FANIN);
        p.clients = 2;
        p.count = 200;
        p.qos = qos;
        p.protocol = protocol;
        p.rate = qos == 0 ? 2000 : 0; // QoS 0 may be dropped under overload; pace it to test accounting
        BenchResult r = new BenchRun(p, null).run();

        assertThat(r.errors()).isEmpty();
        assertThat(r.sent()).isEqualTo(400);
        if (qos > 0) {
            assertThat(r.acked()).isEqualTo(400);
        }
        assertThat(r.expected()).isEqualTo(400);
        assertThat(r.received()).isEqualTo(400);
        assertThat(r.lost()).isZero();
        assertThat(r.duplicates()).isZero();
        assertThat(r.outOfOrder()).isZero();
        assertThat(r.latency().get("count")).isEqualTo(400.0);
        assertThat(r.benchCpuSeconds()).isPositive();
    }

    @Test
    void fanoutCountsEverySubscribersCopy() throws Exception {
        BenchParams p = params(Scenario.FANOUT);
        p.clients = 5;
        p.count = 100;
        p.qos = 1;
        BenchResult r = new BenchRun(p, null).run();

        assertThat(r.errors()).isEmpty();
        assertThat(r.subscribers()).isEqualTo(5);
        assertThat(r.expected()).isEqualTo(500);
        assertThat(r.received()).isEqualTo(500);
        assertThat(r.lost()).isZero();
    }

    @Test
    void missingSubscriberMessagesShowUpAsLoss() throws Exception {
        // the subscriber listens on a filter the publishers do not match: every message is lost
        BenchParams p = params(Scenario.FANIN);
        p.clients = 2;
        p.count = 50;
        p.qos = 1;
        p.filter = "elsewhere/#";
        p.drainS = 0.5;
        BenchResult r = new BenchRun(p, null).run();

        assertThat(r.acked()).isEqualTo(100);
        assertThat(r.received()).isZero();
        assertThat(r.lost()).isEqualTo(100);
    }

    @Test
    void connHoldsIdleConnectionsAndJsonHasTheFields() throws Exception {
        BenchParams p = params(Scenario.CONN);
        p.clients = 50;
        p.durationS = 0.5;
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        BenchResult r = new BenchRun(p, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();

        assertThat(r.connected()).isEqualTo(50);
        assertThat(r.connectFailed()).isZero();
        assertThat(r.droppedByBroker()).isZero();
        assertThat(r.toJson()).contains("\"scenario\":\"conn\"", "\"connected\":50", "\"lost\":0",
                "\"dup\":0", "\"out_of_order\":0", "\"msgs_per_s\":", "\"latency_us\":{", "\"p99.9\":",
                "\"bench_cpu_s\":");
    }

    @Test
    void latencyRunReportsPercentiles() throws Exception {
        BenchParams p = params(Scenario.LATENCY);
        p.rate = 1000;
        p.count = 300;
        p.qos = 1;
        BenchResult r = new BenchRun(p, null).run();

        assertThat(r.lost()).isZero();
        assertThat(r.latency().get("count")).isEqualTo(300.0);
        assertThat(r.latency().get("p50")).isPositive();
        assertThat(r.latency().get("max")).isGreaterThanOrEqualTo(r.latency().get("p99"));
        assertThat(r.toText()).contains("latency us: p50");
    }

    @Test
    void unreachableBrokerFailsFastWithAReason() throws Exception {
        BenchParams p = params(Scenario.PUB);
        int port = broker.port();
        broker.close();
        p.port = port;
        p.count = 10;
        BenchResult r = new BenchRun(p, null).run();

        assertThat(r.connectFailed()).isEqualTo(1);
        assertThat(r.sent()).isZero();
        assertThat(r.errors()).anySatisfy(e -> assertThat(e).contains("cannot connect"));
    }
}
