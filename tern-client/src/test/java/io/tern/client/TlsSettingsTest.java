package io.tern.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsSettingsTest {

    /** libmosquitto's mosquitto__hex2bin: leading 00 pairs kept, the rest read as a number (BN_hex2bn). */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"deadBEEF,deadbeef", "abc,0abc", "0ab,ab", "000a,000a", "00,00", "0000,0000", "000,00",
            "00abc,000abc", "1,01"})
    void pskHexIsDecodedAsLibmosquittoDoes(String hex, String bytes) {
        assertThat(HexFormat.of().formatHex(TlsSettings.psk("id", hex).pskKey())).isEqualTo(bytes);
    }

    @Test
    void keyBytesRoundTripThroughHex() {
        byte[] key = {0, 0, 1, (byte) 0xff, 0};
        assertThat(TlsSettings.psk("id", key).pskKey()).isEqualTo(key);
    }

    @Test
    void aKeyMustBeHexAndNotEmpty() {
        for (String bad : List.of("", "zz", "0xab", "ab cd")) {
            assertThatThrownBy(() -> TlsSettings.psk("id", bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> TlsSettings.psk("id", new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TlsSettings(null, null, null, null, false, null, null, null, "id", null))
                .hasMessage("TLS-PSK needs both an identity and a key");
    }

    @Test
    void protocolsLimitThePskVersions() {
        assertThat(PskClientPeer.versions(List.of())).extracting(Object::toString)
                .containsExactly("TLS 1.3", "TLS 1.2");
        assertThat(PskClientPeer.versions(List.of("TLSv1.2"))).extracting(Object::toString).containsExactly("TLS 1.2");
        assertThat(PskClientPeer.versions(List.of("TLSv1.3", "TLSv1.1"))).extracting(Object::toString)
                .containsExactly("TLS 1.3", "TLS 1.2", "TLS 1.1");
        assertThatThrownBy(() -> PskClientPeer.versions(List.of("SSLv3"))).hasMessageContaining("SSLv3");
    }
}
