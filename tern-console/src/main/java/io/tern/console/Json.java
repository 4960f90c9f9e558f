package io.tern.console;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tern.broker.Message;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one Jackson mapper of the console, and how messages look in JSON. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper()
            .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {
    }

    static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The payload as text when it is valid UTF-8, else null. */
    static String text(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * A message as the API shows it: {@code payload} (text, when UTF-8) and {@code payloadBase64} (always), cut to
     * {@code maxBytes} with {@code truncated: true} when longer.
     */
    static Map<String, Object> message(Message m, int maxBytes) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("topic", m.topic());
        out.put("qos", m.qos());
        out.put("retain", m.retain());
        out.put("size", m.payload().length);
        byte[] p = m.payload();
        if (p.length > maxBytes) {
            p = java.util.Arrays.copyOf(p, maxBytes);
            out.put("truncated", true);
        }
        String t = text(p);
        if (t != null) {
            out.put("payload", t);
        }
        out.put("payloadBase64", Base64.getEncoder().encodeToString(p));
        if (m.publisherId() != null) {
            out.put("publisher", m.publisherId());
        }
        if (m.expiryNanos() != Long.MAX_VALUE) {
            out.put("expiresInSeconds", Math.max(0, (m.expiryNanos() - System.nanoTime()) / 1_000_000_000L));
        }
        return out;
    }
}
