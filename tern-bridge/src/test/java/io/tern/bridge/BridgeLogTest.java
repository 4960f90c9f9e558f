package io.tern.bridge;

import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.tern.broker.Broker;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The bridge logs Mosquitto's lines (src/bridge.c, src/handle_connack.c, lib/send_connect.c). */
class BridgeLogTest {

    @TempDir
    Path dir;

    private final List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Appends from the broker's threads while the test reads. */
    private final AppenderBase<ILoggingEvent> log = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            messages.add(e.getFormattedMessage());
        }
    };
    private Logger tern;
    private Level before;

    @BeforeEach
    void capture() {
        tern = (Logger) LoggerFactory.getLogger("tern");
        before = tern.getLevel();
        tern.setLevel(Level.DEBUG);
        log.setContext(tern.getLoggerContext());
        log.start();
        tern.addAppender(log);
    }

    @AfterEach
    void release() {
        tern.detachAppender(log);
        tern.setLevel(before);
    }

    private void awaitLine(String regex) {
        await().atMost(Peers.WAIT).until(() -> lines().stream().anyMatch(l -> l.matches(regex)));
    }

    private List<String> lines() {
        return messages;
    }

    @Test
    void connectingAndConnectedLines() throws Exception {
        try (Broker r = Peers.tern(dir, "remote", 0, "");
             Broker l = Peers.tern(dir, "local", 0, "connection b1\naddress 127.0.0.1:" + r.port()
                     + "\nremote_clientid bridge-b1\ntopic x/# both 1\n")) {
            awaitLine("Connecting bridge b1 \\(127\\.0\\.0\\.1:" + r.port() + "\\)");
            awaitLine("Bridge bridge-b1 sending CONNECT");
            awaitLine("Received CONNACK on connection local\\.bridge-b1\\.");
            awaitLine("Bridge local\\.bridge-b1 doing local SUBSCRIBE on topic x/#");
            // the remote Tern saw the bridge bit
            awaitLine("New bridge connected from 127\\.0\\.0\\.1:\\d+ as bridge-b1 \\(p2, c0, k60\\)\\.");
        }
    }

    @Test
    void refusedAndUnreachableRemotesAreRetriedWithTheReasonLogged() throws Exception {
        int nobody = Peers.freePort();
        try (Broker r = Peers.tern(dir, "remote", 0, "allow_anonymous false\n");
             Broker l = Peers.tern(dir, "local", 0, "connection b1\naddresses 127.0.0.1:" + nobody
                     + " 127.0.0.1:" + r.port() + "\nremote_clientid bridge-b1\nrestart_timeout 1\ntopic x/# out 1\n")) {
            awaitLine("Error creating bridge: Connection refused\\.");
            awaitLine("Connection Refused: not authorised");
            // and it keeps trying, the broker keeps running
            long attempts = lines().stream().filter(s -> s.startsWith("Connecting bridge b1")).count();
            await().atMost(Peers.WAIT).until(() ->
                    lines().stream().filter(s -> s.startsWith("Connecting bridge b1")).count() > attempts + 1);
        }
    }
}
