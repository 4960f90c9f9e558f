package io.tern.dynsec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/**
 * Reading JSON the way Mosquitto's plugin reads it with cJSON: member names match case-insensitively (the
 * first one wins, so {@code "textName"} in a file is read as {@code textname}); a member of the wrong type is
 * "invalid"; numbers become ints by saturating. Keeping these rules in one place keeps every command's
 * answers the same as Mosquitto's.
 */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {
    }

    /** A member of an object by name, case-insensitively as cJSON_GetObjectItem; null when absent or not an object. */
    static JsonNode get(JsonNode object, String name) {
        if (object == null || !object.isObject()) {
            return null;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** The outcome of reading one member: present, absent, or of the wrong type. */
    record Value<T>(T value, boolean invalid) {
        boolean present() {
            return value != null;
        }
    }

    /**
     * Mosquitto's json_get_string: a string member, null when absent; {@code invalid} when it has another type
     * or when it is required and absent.
     */
    static Value<String> string(JsonNode object, String name, boolean optional) {
        JsonNode n = get(object, name);
        if (n == null) {
            return new Value<>(null, !optional);
        }
        if (!n.isTextual()) {
            return new Value<>(null, true);
        }
        return new Value<>(n.textValue(), false);
    }

    /** Mosquitto's json_get_int with a default: the member as an int (saturated), else {@code dflt}. */
    static int integer(JsonNode object, String name, int dflt) {
        JsonNode n = get(object, name);
        if (n == null || !n.isNumber()) {
            return dflt;
        }
        double d = n.asDouble();
        return (int) d; // Java saturates at Integer.MIN_VALUE/MAX_VALUE, as cJSON's valueint does
    }

    /** Mosquitto's json_get_bool with a default. */
    static boolean bool(JsonNode object, String name, boolean dflt) {
        JsonNode n = get(object, name);
        return n != null && n.isBoolean() ? n.booleanValue() : dflt;
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }

    static ArrayNode array() {
        return NODES.arrayNode();
    }

    /**
     * Mosquitto's mosquitto_validate_utf8 on a string: no NUL, no surrogates (a JSON {@code \ud800} escape
     * alone), no non-characters, no control characters, at most 65536 bytes.
     */
    static boolean validUtf8(String s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                return false;
            }
            if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFF) == 0xFFFE || (cp & 0xFFFF) == 0xFFFF) {
                return false;
            }
            if (cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F)) {
                return false;
            }
        }
        return bytes <= 65536;
    }
}
