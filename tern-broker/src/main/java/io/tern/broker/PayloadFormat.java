package io.tern.broker;

import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * {@code check_payload_format true}: the receiver MAY validate that a payload is of the format its Payload Format
 * Indicator says (MQTT 5 3.3.2.3.2 for a PUBLISH, 3.1.3.2.3 for a will). Off by default: Mosquitto 2.0 forwards
 * any indicator and payload unaltered, as a server MUST forward the indicator [MQTT-3.3.2-4].
 */
final class PayloadFormat {

    /** Reason code for an indicator that is neither 0 nor 1: Protocol Error. */
    static final int BAD_INDICATOR = 0x82;
    /** Reason code for a payload marked UTF-8 that is not: Payload format invalid. */
    static final int INVALID = 0x99;

    private PayloadFormat() {
    }

    /** 0 when {@code payload} matches its indicator, else {@link #BAD_INDICATOR} or {@link #INVALID}. */
    static int check(Properties props, byte[] payload) {
        int indicator = props.intValue(PropertyId.PAYLOAD_FORMAT_INDICATOR, 0);
        if (indicator > 1) {
            return BAD_INDICATOR;
        }
        if (indicator == 1 && !utf8(payload)) {
            return INVALID;
        }
        return 0;
    }

    /** Why, for the log and the reason string. */
    static String reason(int code, Properties props) {
        return code == BAD_INDICATOR
                ? "PAYLOAD_FORMAT_INDICATOR is " + props.intValue(PropertyId.PAYLOAD_FORMAT_INDICATOR, 0) + ", not 0 or 1"
                : "payload marked as UTF-8 is not well-formed UTF-8";
    }

    private static boolean utf8(byte[] payload) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
