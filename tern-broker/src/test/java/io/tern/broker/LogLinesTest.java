package io.tern.broker;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The log reads like Mosquitto's, so operators' greps keep working; log_dest file and topic. */
class LogLinesTest {

    @AfterEach
    void restoreTestLogging() throws Exception {
        LogSetup.publishTo(null);
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        new ContextInitializer(ctx).autoConfig();
    }

    @Test
    void verboseLogHasMosquittosLinesWithEpochTimestamps(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tern.log");
        LogSetup.apply(Set.of("all"), List.of("file:" + file), true, null);
        try (TestBroker broker = TestBroker.start(); RawClient c = new RawClient(broker.port())) {
            c.connect("subscriber");
            c.send(new Packet.Publish("home/led", 0, false, false, 0, "on-high".getBytes(StandardCharsets.UTF_8),
                    Properties.EMPTY));
            c.send(Packet.Disconnect.NORMAL);
            c.readUntilClosed();
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(file).contains("disconnected."));
        }
        String log = Files.readString(file);
        assertThat(log).containsPattern("(?m)^\\d{10}: tern version \\S+ starting$");
        assertThat(log).containsPattern("(?m)^\\d{10}: Opening ipv4 listen socket on port \\d+\\.$");
        assertThat(log).containsPattern("(?m)^\\d{10}: New connection from 127\\.0\\.0\\.1:\\d+ on port \\d+\\.$");
        assertThat(log).containsPattern(
                "(?m)^\\d{10}: New client connected from 127\\.0\\.0\\.1:\\d+ as subscriber \\(p2, c1, k60\\)\\.$");
        assertThat(log).containsPattern("(?m)^\\d{10}: Sending CONNACK to subscriber \\(0, 0\\)$");
        assertThat(log).containsPattern(
                "(?m)^\\d{10}: Received PUBLISH from subscriber \\(d0, q0, r0, m0, 'home/led', \\.\\.\\. \\(7 bytes\\)\\)$");
        assertThat(log).containsPattern("(?m)^\\d{10}: Client subscriber disconnected\\.$");
    }

    @Test
    void aLogLineIsCutAt1000CharactersAsMosquittosIs() {
        LogSetup.MosquittoLayout layout = new LogSetup.MosquittoLayout(true, null);
        ch.qos.logback.classic.spi.LoggingEvent e = new ch.qos.logback.classic.spi.LoggingEvent();
        e.setLoggerName("tern.debug");
        e.setLevel(ch.qos.logback.classic.Level.DEBUG);
        e.setMessage("Received PUBLISH from c (d0, q1, r0, m1, '" + "/".repeat(65535) + "', ... (7 bytes))");
        e.setTimeStamp(1_700_000_000_000L);
        String line = layout.doLayout(e);
        assertThat(line).startsWith("1700000000: Received PUBLISH from c").endsWith("///\n");
        assertThat(line).hasSize(LogSetup.MosquittoLayout.MAX_LINE);
    }

    @Test
    void timestampFormatFollowsStrftime(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tern.log");
        LogSetup.apply(Set.of("notice"), List.of("file:" + file), true, "%Y-%m-%dT%H:%M:%S");
        try (TestBroker broker = TestBroker.start()) {
            assertThat(broker.port()).isPositive();
        }
        assertThat(Files.readString(file)).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d: tern version");
    }

    @Test
    void logDestTopicPublishesLinesUnderSysBrokerLog() throws Exception {
        LogSetup.apply(Set.of("notice"), List.of("topic"), true, null);
        try (TestBroker broker = TestBroker.start(); RawClient watcher = new RawClient(broker.port())) {
            LogSetup.publishTo(broker.broker);
            watcher.connect("watcher");
            watcher.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("$SYS/broker/log/#", 0)),
                    Properties.EMPTY));
            watcher.next();
            try (RawClient other = new RawClient(broker.port())) {
                other.connect("newcomer");
            }
            Packet.Publish p;
            do {
                p = (Packet.Publish) watcher.next();
            } while (!new String(p.payload(), StandardCharsets.UTF_8).contains("as newcomer"));
            assertThat(p.topic()).isEqualTo("$SYS/broker/log/N");
        }
    }
}
