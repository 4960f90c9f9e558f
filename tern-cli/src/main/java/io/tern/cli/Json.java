package io.tern.cli;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough JSON to print what Mosquitto's clients print with cJSON: values are written with cJSON's
 * rules (minified, or with {@code --pretty} tabs), and a payload is parsed for {@code %J} so it is
 * re-printed the same way cJSON would.
 */
final class Json {

    private Json() {
    }

    /** A raw JSON fragment written as is. */
    record Raw(String json) {
    }

    static void write(StringBuilder sb, Object v, boolean pretty, int depth) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Number n) {
            sb.append(number(n.doubleValue()));
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Raw r) {
            sb.append(r.json());
        } else if (v instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(pretty ? ", " : ",");
                }
                write(sb, list.get(i), pretty, depth + 1);
            }
            sb.append(']');
        } else if (v instanceof Map<?, ?> map) {
            sb.append('{');
            if (pretty) {
                sb.append('\n');
            }
            int i = 0;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (pretty) {
                    sb.append("\t".repeat(depth + 1));
                }
                string(sb, (String) e.getKey());
                sb.append(':');
                if (pretty) {
                    sb.append('\t');
                }
                write(sb, e.getValue(), pretty, depth + 1);
                if (++i < map.size()) {
                    sb.append(',');
                }
                if (pretty) {
                    sb.append('\n');
                }
            }
            if (pretty) {
                sb.append("\t".repeat(depth));
            }
            sb.append('}');
        } else {
            string(sb, v.toString());
        }
    }

    /** cJSON's print_number: integers as integers, others with up to 17 significant digits. */
    static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return "null";
        }
        if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
            return Long.toString((long) d);
        }
        String s = String.format("%1.15g", d);
        if (Double.parseDouble(s) != d) {
            s = String.format("%1.17g", d);
        }
        return trimG(s);
    }

    /** C's %g drops trailing zeros and uses the shorter of fixed and exponent notation. */
    private static String trimG(String s) {
        BigDecimal bd = new BigDecimal(s.trim());
        String plain = bd.stripTrailingZeros().toPlainString();
        int exp = bd.precision() - bd.scale() - 1;
        if (exp < -4 || exp >= 15) {
            String e = bd.stripTrailingZeros().toString().replace("E+", "e+").replace("E-", "e-");
            return e;
        }
        return plain;
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 32) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Parses a whole JSON text; null when it is not valid JSON (or has trailing garbage). */
    static Object parse(String text) {
        Parser p = new Parser(text);
        try {
            p.ws();
            Object v = p.value();
            p.ws();
            if (p.i != text.length()) {
                return Parser.INVALID;
            }
            return v;
        } catch (RuntimeException e) {
            return Parser.INVALID;
        }
    }

    static boolean isInvalid(Object parsed) {
        return parsed == Parser.INVALID;
    }

    private static final class Parser {
        static final Object INVALID = new Object();
        final String s;
        int i;

        Parser(String s) {
            this.s = s;
        }

        void ws() {
            while (i < s.length() && s.charAt(i) <= ' ') {
                i++;
            }
        }

        Object value() {
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    while (true) {
                        ws();
                        String k = str();
                        ws();
                        expect(':');
                        ws();
                        m.put(k, value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                            continue;
                        }
                        expect('}');
                        return m;
                    }
                }
                case '[' -> {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    while (true) {
                        ws();
                        l.add(value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                            continue;
                        }
                        expect(']');
                        return l;
                    }
                }
                case '"' -> {
                    return str();
                }
                case 't' -> {
                    word("true");
                    return Boolean.TRUE;
                }
                case 'f' -> {
                    word("false");
                    return Boolean.FALSE;
                }
                case 'n' -> {
                    word("null");
                    return null;
                }
                default -> {
                    int start = i;
                    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                        i++;
                    }
                    if (start == i) {
                        throw new IllegalArgumentException("bad JSON");
                    }
                    return Double.parseDouble(s.substring(start, i));
                }
            }
        }

        void word(String w) {
            if (!s.startsWith(w, i)) {
                throw new IllegalArgumentException("bad JSON");
            }
            i += w.length();
        }

        void expect(char c) {
            if (s.charAt(i) != c) {
                throw new IllegalArgumentException("bad JSON");
            }
            i++;
        }

        String str() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'n' -> sb.append('\n');
                        case 'r' -> sb.append('\r');
                        case 't' -> sb.append('\t');
                        case 'u' -> {
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> sb.append(e);
                    }
                } else {
                    sb.append(c);
                }
            }
        }
    }
}
