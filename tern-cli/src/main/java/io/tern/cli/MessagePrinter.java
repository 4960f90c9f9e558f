package io.tern.cli;

import io.tern.client.MqttMessage;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import io.tern.codec.UserProperty;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Prints received messages as mosquitto_sub does: the payload, {@code -v} "topic payload", or an {@code -F}
 * format ({@code %t %p %q %r %m %l %x %X %I %U %j %J %A %C %D %E %F %P %R %S}, {@code @} strftime fields,
 * backslash escapes, with Mosquitto's width / precision / alignment rules).
 */
final class MessagePrinter {

    private final CliOptions o;
    private final PrintStream out;
    private final PrintStream err;

    MessagePrinter(CliOptions o, PrintStream out, PrintStream err) {
        this.o = o;
        this.out = out;
        this.err = err;
    }

    /** Mosquitto's {@code check_format}: rejects a format at parse time. */
    static void checkFormat(String f) throws CliError {
        int len = f.length();
        for (int i = 0; i < len; i++) {
            char c = f.charAt(i);
            if (c == '%') {
                if (i == len - 1) {
                    throw new CliError("Error: Incomplete format specifier.\n", true);
                }
                i++;
                // flags, width, precision
                if (f.charAt(i) == '-') {
                    i++;
                }
                if (i < len && f.charAt(i) == '0') {
                    i++;
                }
                while (i < len - 1 && Character.isDigit(f.charAt(i))) {
                    i++;
                }
                if (i < len && f.charAt(i) == '.') {
                    i++;
                    while (i < len - 1 && Character.isDigit(f.charAt(i))) {
                        i++;
                    }
                }
                if (i >= len) {
                    throw new CliError("Error: Incomplete format specifier.\n", true);
                }
                if ("%ACDEFIjJlmPpqRrStUxX".indexOf(f.charAt(i)) < 0) {
                    throw new CliError("Error: Invalid format specifier '" + f.charAt(i) + "'.\n", true);
                }
            } else if (c == '\\') {
                if (i == len - 1) {
                    throw new CliError("Error: Incomplete escape specifier.\n", true);
                }
                i++;
                if ("\\0aenrtv".indexOf(f.charAt(i)) < 0) {
                    throw new CliError("Error: Invalid escape specifier '" + f.charAt(i) + "'.\n", true);
                }
            }
        }
    }

    void print(MqttMessage m) {
        if (o.randomFilter < 10000 && ThreadLocalRandom.current().nextInt(10000) >= o.randomFilter) {
            return;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (o.format != null) {
            formatted(b, m);
        } else if (o.verbose) {
            if (m.payload().length > 0) {
                b.writeBytes(m.topic().getBytes(StandardCharsets.UTF_8));
                b.write(' ');
                b.writeBytes(m.payload());
                if (o.eol) {
                    b.write('\n');
                }
            } else if (o.eol) {
                b.writeBytes((m.topic() + " (null)\n").getBytes(StandardCharsets.UTF_8));
            }
        } else if (m.payload().length > 0) {
            b.writeBytes(m.payload());
            if (o.eol) {
                b.write('\n');
            }
        }
        out.writeBytes(b.toByteArray());
        out.flush();
    }

    private void formatted(ByteArrayOutputStream b, MqttMessage m) {
        String f = o.format;
        int len = f.length();
        ZonedDateTime now = null;
        for (int i = 0; i < len; i++) {
            char c = f.charAt(i);
            if (c == '%') {
                char align = 0;
                char pad = ' ';
                int width = 0;
                int precision = -1;
                if (i < len - 1) {
                    i++;
                    if (f.charAt(i) == '-') {
                        align = '-';
                        if (i < len - 1) {
                            i++;
                        }
                    }
                    if (f.charAt(i) == '0') {
                        pad = '0';
                        if (i < len - 1) {
                            i++;
                        }
                    }
                    while (i < len - 1 && Character.isDigit(f.charAt(i))) {
                        width = width * 10 + (f.charAt(i) - '0');
                        i++;
                    }
                    if (f.charAt(i) == '.' && i < len - 1) {
                        i++;
                        precision = 0;
                        while (i < len - 1 && Character.isDigit(f.charAt(i))) {
                            precision = precision * 10 + (f.charAt(i) - '0');
                            i++;
                        }
                    }
                    if (i < len) {
                        if (now == null && "IjJU".indexOf(f.charAt(i)) >= 0) {
                            now = ZonedDateTime.now();
                        }
                        percent(b, m, f.charAt(i), align, pad, width, precision, now);
                    }
                }
            } else if (c == '@') {
                if (i < len - 1) {
                    i++;
                    if (f.charAt(i) == '@') {
                        b.write('@');
                    } else {
                        if (now == null) {
                            now = ZonedDateTime.now();
                        }
                        if (f.charAt(i) == 'N') {
                            text(b, String.format("%09d", now.getNano()));
                        } else {
                            text(b, strftime(f.charAt(i), now));
                        }
                    }
                }
            } else if (c == '\\') {
                if (i < len - 1) {
                    i++;
                    switch (f.charAt(i)) {
                        case '\\' -> b.write('\\');
                        case '0' -> b.write(0);
                        case 'a' -> b.write(7);
                        case 'e' -> b.write(27);
                        case 'n' -> b.write('\n');
                        case 'r' -> b.write('\r');
                        case 't' -> b.write('\t');
                        case 'v' -> b.write(11);
                        default -> {
                        }
                    }
                }
            } else {
                text(b, String.valueOf(c));
            }
        }
        if (o.eol) {
            b.write('\n');
        }
    }

    private void percent(ByteArrayOutputStream b, MqttMessage m, char spec, char align, char pad, int width,
                         int precision, ZonedDateTime now) {
        Properties p = m.properties();
        switch (spec) {
            case '%' -> b.write('%');
            case 'A' -> intOrBlank(b, p, PropertyId.TOPIC_ALIAS, align, pad, width);
            case 'C' -> strOrBlank(b, p.stringValue(PropertyId.CONTENT_TYPE), align, width, precision);
            case 'D' -> {
                byte[] cd = p.binaryValue(PropertyId.CORRELATION_DATA);
                if (cd != null) {
                    b.writeBytes(cd);
                }
            }
            case 'E' -> {
                if (p.has(PropertyId.MESSAGE_EXPIRY_INTERVAL)) {
                    intf(b, (int) p.longValue(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0), align, pad, width);
                } else {
                    blank(b, pad, width);
                }
            }
            case 'F' -> intOrBlank(b, p, PropertyId.PAYLOAD_FORMAT_INDICATOR, align, pad, width);
            case 'I' -> str(b, now.format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxx")), align, width,
                    precision);
            case 'j' -> json(b, m, now, true);
            case 'J' -> json(b, m, now, false);
            case 'l' -> intf(b, m.payload().length, align, pad, width);
            case 'm' -> intf(b, m.packetId(), align, pad, width);
            case 'P' -> {
                StringBuilder sb = new StringBuilder();
                for (UserProperty u : p.userProperties()) {
                    if (sb.length() > 0) {
                        sb.append(' ');
                    }
                    sb.append(u.name()).append(':').append(u.value());
                }
                text(b, sb.toString());
            }
            case 'p' -> payload(b, m.payload(), 0, align, pad, width);
            case 'q' -> b.write('0' + m.qos());
            case 'R' -> {
                String rt = p.stringValue(PropertyId.RESPONSE_TOPIC);
                if (rt != null) {
                    str(b, rt, align, width, precision);
                }
            }
            case 'r' -> b.write(m.retain() ? '1' : '0');
            case 'S' -> {
                if (!p.subscriptionIdentifiers().isEmpty()) {
                    intf(b, p.subscriptionIdentifiers().get(0), align, pad, width);
                } else {
                    blank(b, pad, width);
                }
            }
            case 't' -> str(b, m.topic(), align, width, precision);
            case 'U' -> text(b, now.toEpochSecond() + "." + String.format("%09d", now.getNano()));
            case 'x' -> payload(b, m.payload(), 1, align, pad, width);
            case 'X' -> payload(b, m.payload(), 2, align, pad, width);
            default -> {
            }
        }
    }

    private void json(ByteArrayOutputStream b, MqttMessage m, ZonedDateTime now, boolean escaped) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("tst", now.format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'xx")));
        root.put("topic", m.topic());
        root.put("qos", m.qos());
        root.put("retain", m.retain() ? 1 : 0);
        root.put("payloadlen", m.payload().length);
        if (m.qos() > 0) {
            root.put("mid", m.packetId());
        }
        Properties p = m.properties();
        if (!p.isEmpty()) {
            Map<String, Object> props = new LinkedHashMap<>();
            if (!p.userProperties().isEmpty()) {
                Map<String, Object> user = new LinkedHashMap<>();
                for (UserProperty u : p.userProperties()) {
                    user.put(u.name(), u.value());
                }
                props.put("user-properties", user);
            }
            for (PropertyId id : p.presentSingleValued()) {
                Object v = p.get(id);
                switch (id) {
                    case PAYLOAD_FORMAT_INDICATOR, MESSAGE_EXPIRY_INTERVAL, TOPIC_ALIAS -> props.put(
                            PropertyOption.nameOf(id), v);
                    case CONTENT_TYPE, RESPONSE_TOPIC -> props.put(PropertyOption.nameOf(id), v);
                    case CORRELATION_DATA -> props.put(PropertyOption.nameOf(id),
                            new String((byte[]) v, StandardCharsets.UTF_8));
                    default -> {
                    }
                }
            }
            for (Integer sid : p.subscriptionIdentifiers()) {
                props.put("subscription-identifier", sid);
            }
            root.put("properties", props);
        }
        if (escaped) {
            String s = new String(m.payload(), StandardCharsets.UTF_8);
            int nul = s.indexOf('\0'); // cJSON sees a C string
            root.put("payload", nul >= 0 ? s.substring(0, nul) : s);
        } else {
            Object parsed = m.payload().length == 0 ? null
                    : Json.parse(new String(m.payload(), StandardCharsets.UTF_8));
            if (Json.isInvalid(parsed)) {
                if (!o.quiet) {
                    err.print("Error: Message payload is not valid JSON on topic " + m.topic() + ".\n");
                    err.flush();
                }
                return;
            }
            root.put("payload", parsed);
        }
        StringBuilder sb = new StringBuilder();
        Json.write(sb, root, o.pretty, 0);
        text(b, sb.toString());
    }

    private static void payload(ByteArrayOutputStream b, byte[] payload, int hex, char align, char pad, int width) {
        int n = payload.length;
        int padLen;
        if (width > 0) {
            if (n > width) {
                n = width;
            }
            if (hex > 0) {
                n /= 2;
                padLen = width - n * 2;
            } else {
                padLen = width - n;
            }
        } else {
            padLen = width - n;
        }
        if (align != '-') {
            for (int i = 0; i < padLen; i++) {
                b.write(pad);
            }
        }
        if (hex == 0) {
            b.write(payload, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                text(b, String.format(hex == 1 ? "%02x" : "%02X", payload[i] & 0xFF));
            }
        }
        if (align == '-') {
            for (int i = 0; i < padLen; i++) {
                b.write(' ');
            }
        }
    }

    private static void intOrBlank(ByteArrayOutputStream b, Properties p, PropertyId id, char align, char pad,
                                   int width) {
        if (p.has(id)) {
            intf(b, p.intValue(id, 0), align, pad, width);
        } else {
            blank(b, pad, width);
        }
    }

    private static void strOrBlank(ByteArrayOutputStream b, String s, char align, int width, int precision) {
        if (s != null) {
            str(b, s, align, width, precision);
        } else {
            blank(b, ' ', width);
        }
    }

    private static void blank(ByteArrayOutputStream b, char pad, int width) {
        for (int i = 0; i < width; i++) {
            b.write(pad);
        }
    }

    private static void intf(ByteArrayOutputStream b, int v, char align, char pad, int width) {
        String s;
        if (width == 0) {
            s = Integer.toString(v);
        } else if (align == '-') {
            s = String.format("%-" + width + "d", v);
        } else if (pad == '0') {
            s = String.format("%0" + width + "d", v);
        } else {
            s = String.format("%" + width + "d", v);
        }
        text(b, s);
    }

    /** printf's %*.*s on bytes, as C counts them. */
    private static void str(ByteArrayOutputStream b, String s, char align, int width, int precision) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        int n = precision >= 0 ? Math.min(precision, bytes.length) : bytes.length;
        int padLen = Math.max(0, width - n);
        if (align != '-') {
            blank(b, ' ', padLen);
        }
        b.write(bytes, 0, n);
        if (align == '-') {
            blank(b, ' ', padLen);
        }
    }

    private static void text(ByteArrayOutputStream b, String s) {
        b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The strftime conversions people use in @-fields. */
    static String strftime(char c, ZonedDateTime t) {
        return switch (c) {
            case 'Y' -> String.format("%04d", t.getYear());
            case 'y' -> String.format("%02d", t.getYear() % 100);
            case 'm' -> String.format("%02d", t.getMonthValue());
            case 'd' -> String.format("%02d", t.getDayOfMonth());
            case 'e' -> String.format("%2d", t.getDayOfMonth());
            case 'H' -> String.format("%02d", t.getHour());
            case 'I' -> String.format("%02d", (t.getHour() + 11) % 12 + 1);
            case 'M' -> String.format("%02d", t.getMinute());
            case 'S' -> String.format("%02d", t.getSecond());
            case 'j' -> String.format("%03d", t.getDayOfYear());
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.US);
            case 'z' -> t.format(DateTimeFormatter.ofPattern("xx"));
            case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.US);
            case 's' -> Long.toString(t.toEpochSecond());
            case 'F' -> t.format(DateTimeFormatter.ofPattern("yyyy-MM-dd"));
            case 'T' -> t.format(DateTimeFormatter.ofPattern("HH:mm:ss"));
            case 'R' -> t.format(DateTimeFormatter.ofPattern("HH:mm"));
            case 'D' -> t.format(DateTimeFormatter.ofPattern("MM/dd/yy"));
            case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
            case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'n' -> "\n";
            case 't' -> "\t";
            case '%' -> "%";
            default -> "";
        };
    }
}
