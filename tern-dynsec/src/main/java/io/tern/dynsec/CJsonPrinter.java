package io.tern.dynsec;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;

/**
 * Prints JSON exactly as cJSON_Print does (tabs, {@code "key":\tvalue}, arrays inline with {@code ", "}), so the
 * file Tern saves is byte for byte the kind Mosquitto's plugin saves and a diff between the two shows only real
 * changes.
 */
final class CJsonPrinter {

    private CJsonPrinter() {
    }

    static String print(JsonNode node) {
        StringBuilder out = new StringBuilder(4096);
        value(out, node, 0);
        return out.toString();
    }

    private static void value(StringBuilder out, JsonNode n, int depth) {
        if (n.isObject()) {
            out.append("{\n");
            int inner = depth + 1;
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                indent(out, inner);
                string(out, e.getKey());
                out.append(":\t");
                value(out, e.getValue(), inner);
                if (it.hasNext()) {
                    out.append(',');
                }
                out.append('\n');
            }
            indent(out, depth);
            out.append('}');
        } else if (n.isArray()) {
            out.append('[');
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                value(out, n.get(i), depth + 1);
            }
            out.append(']');
        } else if (n.isTextual()) {
            string(out, n.textValue());
        } else if (n.isIntegralNumber()) {
            out.append(n.asLong());
        } else {
            out.append(n.toString());
        }
    }

    private static void indent(StringBuilder out, int depth) {
        for (int i = 0; i < depth; i++) {
            out.append('\t');
        }
    }

    /** cJSON's escaping: quotes, backslash, the five short escapes, other control characters as \\u00XX. */
    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
