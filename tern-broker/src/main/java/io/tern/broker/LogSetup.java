package io.tern.broker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Points logging where {@code log_dest} says, enables the loggers of the {@code log_type}s asked for, and
 * formats lines as Mosquitto does: {@code 1700000000: New connection from ...}, or with the strftime
 * pattern of {@code log_timestamp_format}.
 */
public final class LogSetup {

    /** Mosquitto's log types, each one of the loggers in {@link Log}. */
    public static final List<String> TYPES = List.of("error", "warning", "notice", "information", "debug",
            "subscribe", "unsubscribe", "websockets");

    /** Mosquitto's default: error, warning, notice and information. */
    public static final Set<String> DEFAULT_TYPES = Set.of("error", "warning", "notice", "information");

    private LogSetup() {
    }

    /**
     * Reconfigures logging.
     *
     * @param types           enabled log types (see {@link #TYPES}); "all" enables every one
     * @param destinations    "stdout", "stderr" or "file:PATH" entries; empty means stderr
     * @param timestamp       whether lines start with a timestamp
     * @param timestampFormat a strftime pattern, or null for seconds since the epoch
     */
    public static void apply(Set<String> types, List<String> destinations, boolean timestamp, String timestampFormat) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        MosquittoLayout layout = new MosquittoLayout(timestamp, timestampFormat);
        layout.setContext(ctx);
        layout.start();
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        List<String> dests = destinations.isEmpty() ? List.of("stderr") : destinations;
        for (String d : dests) {
            LayoutWrappingEncoder<ILoggingEvent> enc = new LayoutWrappingEncoder<>();
            enc.setContext(ctx);
            enc.setLayout(layout);
            enc.start();
            if (d.equals("topic")) {
                TopicAppender t = new TopicAppender();
                t.setContext(ctx);
                t.setName(d);
                t.start();
                appenders.add(t);
                continue;
            }
            if (d.startsWith("file:")) {
                FileAppender<ILoggingEvent> f = new FileAppender<>();
                f.setContext(ctx);
                f.setFile(d.substring(5));
                f.setAppend(true);
                f.setEncoder(enc);
                f.setName(d);
                f.start();
                appenders.add(f);
            } else {
                ConsoleAppender<ILoggingEvent> c = new ConsoleAppender<>();
                c.setContext(ctx);
                c.setTarget(d.equals("stdout") ? "System.out" : "System.err");
                c.setEncoder(enc);
                c.setName(d);
                c.start();
                appenders.add(c);
            }
        }
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        // libraries (Netty, ...) only get through with warnings and errors
        root.setLevel(types.isEmpty() ? Level.OFF : Level.WARN);
        for (Appender<ILoggingEvent> a : appenders) {
            root.addAppender(a);
        }
        boolean all = types.contains("all");
        for (String t : TYPES) {
            Logger l = ctx.getLogger("tern." + t);
            l.setLevel(all || types.contains(t) ? Level.ALL : Level.OFF);
        }
    }

    /** Where {@code log_dest topic} lines go: set by the launcher once the broker runs. */
    private static volatile Broker topicBroker;

    /** Starts (or, with null, stops) publishing log lines to {@code $SYS/broker/log/...}. */
    public static void publishTo(Broker broker) {
        topicBroker = broker;
    }

    /**
     * {@code log_dest topic}: each line is published to {@code $SYS/broker/log/<type>} with Mosquitto's type
     * letters (E, W, N, I, D, M for subscribe, U for unsubscribe, WS for websockets).
     */
    static final class TopicAppender extends ch.qos.logback.core.AppenderBase<ILoggingEvent> {
        /** Publishing logs a line itself at debug level: never publish from inside a publish. */
        private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);

        @Override
        protected void append(ILoggingEvent e) {
            Broker b = topicBroker;
            if (b == null || INSIDE.get() || !e.getLoggerName().startsWith("tern.")) {
                return;
            }
            String letter = switch (e.getLoggerName()) {
                case "tern.error" -> "E";
                case "tern.warning" -> "W";
                case "tern.notice" -> "N";
                case "tern.information" -> "I";
                case "tern.subscribe" -> "M";
                case "tern.unsubscribe" -> "U";
                case "tern.websockets" -> "WS";
                default -> "D";
            };
            INSIDE.set(true);
            try {
                b.publish("$SYS/broker/log/" + letter,
                        e.getFormattedMessage().getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, false);
            } finally {
                INSIDE.set(false);
            }
        }
    }

    /** Lines as Mosquitto writes them: optional timestamp, colon, message. */
    static final class MosquittoLayout extends LayoutBase<ILoggingEvent> {
        /** Mosquitto's longest log line, its terminating NUL included (src/logging.c). */
        static final int MAX_LINE = 1000;
        private final boolean timestamp;
        private final DateTimeFormatter format;

        MosquittoLayout(boolean timestamp, String strftime) {
            this.timestamp = timestamp;
            this.format = strftime == null ? null
                    : DateTimeFormatter.ofPattern(strftimeToJava(strftime), Locale.ROOT).withZone(ZoneId.systemDefault());
        }

        @Override
        public String doLayout(ILoggingEvent e) {
            StringBuilder sb = new StringBuilder(128);
            if (timestamp) {
                if (format == null) {
                    sb.append(e.getTimeStamp() / 1000);
                } else {
                    sb.append(format.format(Instant.ofEpochMilli(e.getTimeStamp())));
                }
                sb.append(": ");
            }
            String message = e.getFormattedMessage();
            // Mosquitto writes each line into a 1000-byte buffer: a 65,535-character topic in a debug line is
            // cut there, and a reader of the log (a pipe nobody drains until the end) is not flooded
            int room = MAX_LINE - 1 - sb.length();
            if (message.length() > room) {
                message = message.substring(0, Math.max(0, room));
            }
            sb.append(message).append('\n');
            if (e.getThrowableProxy() != null && !e.getLoggerName().startsWith("tern.")) {
                sb.append(ch.qos.logback.classic.spi.ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
            }
            return sb.toString();
        }
    }

    /** Translates the strftime specifiers people put in {@code log_timestamp_format}. */
    static String strftimeToJava(String s) {
        StringBuilder out = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 1 < s.length()) {
                char f = s.charAt(++i);
                String p = switch (f) {
                    case 'Y' -> "yyyy";
                    case 'y' -> "yy";
                    case 'm' -> "MM";
                    case 'd' -> "dd";
                    case 'e' -> "ppd";
                    case 'H' -> "HH";
                    case 'I' -> "hh";
                    case 'M' -> "mm";
                    case 'S' -> "ss";
                    case 'p' -> "a";
                    case 'b', 'h' -> "MMM";
                    case 'B' -> "MMMM";
                    case 'a' -> "EEE";
                    case 'A' -> "EEEE";
                    case 'j' -> "DDD";
                    case 'z' -> "xx";
                    case 'Z' -> "zzz";
                    case 'F' -> "yyyy-MM-dd";
                    case 'T' -> "HH:mm:ss";
                    case '%' -> null;
                    default -> throw new IllegalArgumentException("unsupported strftime specifier %" + f);
                };
                if (p == null) {
                    literal.append('%');
                    continue;
                }
                flushLiteral(out, literal);
                out.append(p);
            } else {
                literal.append(c);
            }
        }
        flushLiteral(out, literal);
        return out.toString();
    }

    private static void flushLiteral(StringBuilder out, StringBuilder literal) {
        if (literal.length() > 0) {
            out.append('\'').append(literal.toString().replace("'", "''")).append('\'');
            literal.setLength(0);
        }
    }
}
