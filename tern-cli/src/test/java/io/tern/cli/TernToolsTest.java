package io.tern.cli;

import io.tern.client.MosquittoBroker;
import io.tern.client.MqttClient;
import io.tern.client.MqttMessage;
import io.tern.codec.MqttVersion;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Behaviours a side-by-side run cannot show (they change broker state), each against its own Mosquitto. */
class TernToolsTest {

    @TempDir
    Path dir;

    private MosquittoBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = MosquittoBroker.start(dir);
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.kill();
        }
    }

    private List<String> conn(String... more) {
        List<String> a = new ArrayList<>(List.of("-h", "127.0.0.1", "-p", Integer.toString(broker.port())));
        a.addAll(List.of(more));
        return a;
    }

    /** Answers every request on {@code req} on its Response Topic, echoing correlation data. */
    private MqttClient responder() throws Exception {
        MqttClient c = MqttClient.builder().serverUri(broker.tcpUri()).version(MqttVersion.MQTT_5).build();
        c.connect().get(5, TimeUnit.SECONDS);
        c.subscribe("req", 1, m -> {
            String rt = m.properties().stringValue(PropertyId.RESPONSE_TOPIC);
            Properties.Builder p = Properties.builder();
            if (m.properties().binaryValue(PropertyId.CORRELATION_DATA) != null) {
                p.put(PropertyId.CORRELATION_DATA, m.properties().binaryValue(PropertyId.CORRELATION_DATA));
            }
            c.publish(MqttMessage.of(rt, ("re: " + m.payloadAsString()).getBytes(StandardCharsets.UTF_8), 1, false,
                    p.build()));
        }).get(5, TimeUnit.SECONDS);
        return c;
    }

    @Test
    void rrPrintsTheResponseLikeMosquittoRr() throws Exception {
        Assumptions.assumeTrue(ToolRun.mosquittoClientsInstalled(), "SKIPPED: mosquitto-clients not installed");
        try (MqttClient ignored = responder()) {
            List<String> args = conn("-t", "req", "-e", "resp/1", "-m", "ping", "-v", "-q", "1",
                    "-D", "publish", "correlation-data", "c1", "-W", "5");
            ToolRun t = ToolRun.tern(Tool.RR, new byte[0], args).get(30, TimeUnit.SECONDS);
            ToolRun m = ToolRun.mosquitto(Tool.RR, new byte[0], args).get(30, TimeUnit.SECONDS);
            assertThat(m.outText()).isEqualTo("resp/1 re: ping\n");
            assertThat(t).usingRecursiveComparison().isEqualTo(m);
        }
    }

    @Test
    void rrWithoutResponderTimesOut() throws Exception {
        ToolRun t = ToolRun.tern(Tool.RR, new byte[0], conn("-t", "nobody", "-e", "r", "-m", "x", "-W", "1"))
                .get(30, TimeUnit.SECONDS);
        assertThat(t.exitCode()).isEqualTo(27);
        assertThat(t.err()).isEqualTo("Timed out\n");
    }

    @Test
    void removeRetainedClearsWhatItPrinted() throws Exception {
        for (String topic : List.of("rr/a", "rr/b")) {
            assertThat(ToolRun.tern(Tool.PUB, new byte[0], conn("-t", topic, "-m", "x", "-r")).get(30, TimeUnit.SECONDS)
                    .exitCode()).isZero();
        }
        ToolRun removed = ToolRun.tern(Tool.SUB, new byte[0], conn("-t", "rr/#", "-v", "-C", "2", "--remove-retained"))
                .get(30, TimeUnit.SECONDS);
        assertThat(removed.outText()).isEqualTo("rr/a x\nrr/b x\n");
        ToolRun after = ToolRun.tern(Tool.SUB, new byte[0], conn("-t", "rr/#", "-W", "1")).get(30, TimeUnit.SECONDS);
        assertThat(after.exitCode()).as("nothing retained is left").isEqualTo(27);
        assertThat(after.out()).isEmpty();
    }

    @Test
    void exitAfterSubscribeAndUnsubscribeFromAPersistentSession() throws Exception {
        ToolRun e = ToolRun.tern(Tool.SUB, new byte[0], conn("-t", "p/1", "-t", "p/2", "-q", "1", "-c", "-i", "keeper",
                "-E", "-d")).get(30, TimeUnit.SECONDS);
        assertThat(e.exitCode()).isZero();
        assertThat(e.outText()).contains("Subscribed (mid: 1): 1, 1\n");
        // queued for the offline persistent session
        assertThat(ToolRun.tern(Tool.PUB, new byte[0], conn("-t", "p/1", "-m", "one", "-q", "1")).get(30, TimeUnit.SECONDS)
                .exitCode()).isZero();
        ToolRun back = ToolRun.tern(Tool.SUB, new byte[0], conn("-t", "p/2", "-q", "1", "-c", "-i", "keeper", "-v",
                "-C", "1", "-U", "p/1")).get(30, TimeUnit.SECONDS);
        assertThat(back.outText()).isEqualTo("p/1 one\n");
        assertThat(ToolRun.tern(Tool.PUB, new byte[0], conn("-t", "p/1", "-m", "two", "-q", "1")).get(30, TimeUnit.SECONDS)
                .exitCode()).isZero();
        ToolRun gone = ToolRun.tern(Tool.SUB, new byte[0], conn("-t", "p/2", "-q", "1", "-c", "-i", "keeper", "-v",
                "-W", "1")).get(30, TimeUnit.SECONDS);
        assertThat(gone.exitCode()).as("p/1 was unsubscribed").isEqualTo(27);
    }

    @Test
    void willFlagsReachTheBrokerAndFireOnAbort() throws Exception {
        try (MqttClient watcher = MqttClient.builder().serverUri(broker.tcpUri()).build()) {
            watcher.connect().get(5, TimeUnit.SECONDS);
            java.util.concurrent.BlockingQueue<MqttMessage> got = new java.util.concurrent.LinkedBlockingQueue<>();
            watcher.subscribe("wills/#", 1, got::add).get(5, TimeUnit.SECONDS);
            CliOptions o = CliOptions.parse(Tool.SUB, conn("-t", "x", "--will-topic", "wills/a", "--will-payload", "bye",
                    "--will-qos", "1", "--will-retain").toArray(String[]::new));
            MqttClient c = ClientSetup.build(o, System.out, null, null, false);
            assertThat(ClientSetup.connect(c, o, System.err)).isZero();
            c.abort(); // the connection ends without DISCONNECT, as when tern-sub is killed
            MqttMessage will = got.poll(5, TimeUnit.SECONDS);
            assertThat(will).isNotNull();
            assertThat(will.topic()).isEqualTo("wills/a");
            assertThat(will.payloadAsString()).isEqualTo("bye");
            assertThat(will.qos()).isEqualTo(1);
            c.close();
        }
    }
}
