package io.tern.codec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** Hex PSKs decode as libmosquitto's mosquitto__hex2bin decodes them, on the broker and the client alike. */
class PskKeysTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0123456789abcdef0123, 0123456789abcdef0123",
        "abc, 0abc",
        "0ab, ab",
        "00ab, 00ab",
        "000, 00",
        "0000ff, 0000ff",
        "DEADbeef, deadbeef",
    })
    void decodesLikeLibmosquitto(String hex, String bytes) {
        assertThat(HexFormat.of().formatHex(PskKeys.decode(hex))).isEqualTo(bytes);
    }
}
