package io.tern.broker.e2e;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.awaitility.Awaitility;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects what the broker logs under {@code tern.*} at information level and above, so a test can check
 * Mosquitto's log lines. The lines are kept off the console (tests log at WARN). Close to restore.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final Logger logger = (Logger) LoggerFactory.getLogger("tern");
    private final Level level;
    private final boolean additive;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    LogCapture() {
        level = logger.getLevel();
        additive = logger.isAdditive();
        setContext(logger.getLoggerContext());
        setName("e2e-capture");
        start();
        logger.addAppender(this);
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
    }

    @Override
    protected void append(ILoggingEvent event) {
        lines.add(event.getFormattedMessage());
    }

    List<String> lines() { return List.copyOf(lines); }

    /** Waits (bounded) until a logged line equals {@code line}. */
    void awaitLine(String line) {
        Awaitility.await("log line '" + line + "'").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20)).until(() -> lines.contains(line));
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        logger.setLevel(level);
        logger.setAdditive(additive);
        stop();
    }
}
