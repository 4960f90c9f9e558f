package io.tern.broker.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    @Test
    void defaultIsPbkdf2With210000IterationsAnd12ByteSalt() throws Exception {
        String hash = new PasswordHasher().hash("pw".getBytes(UTF_8));
        String[] parts = hash.split("\\$");
        assertThat(parts[1]).isEqualTo("7");
        assertThat(parts[2]).isEqualTo("210000");
        assertThat(Base64.getDecoder().decode(parts[3])).hasSize(12);
        assertThat(Base64.getDecoder().decode(parts[4])).hasSize(64);
        assertThat(PasswordFile.parse("t", List.of("u:" + hash)).check("u", "pw".getBytes(UTF_8))).isTrue();
    }

    @Test
    void sha512EntriesHaveNoIterationField() throws Exception {
        String entry = new PasswordHasher(PasswordHasher.Algorithm.SHA512, 5).entry("u", "pw".getBytes(UTF_8));
        assertThat(entry).startsWith("u:$6$").matches("u:\\$6\\$[A-Za-z0-9+/=]{16}\\$[A-Za-z0-9+/=]{88}");
        PasswordFile file = PasswordFile.parse("t", List.of(entry));
        assertThat(file.check("u", "pw".getBytes(UTF_8))).isTrue();
        assertThat(file.check("u", "pW".getBytes(UTF_8))).isFalse();
    }

    @Test
    void everyHashGetsItsOwnSalt() {
        PasswordHasher hasher = new PasswordHasher(PasswordHasher.Algorithm.SHA512_PBKDF2, 1);
        assertThat(hasher.hash(new byte[] {1})).isNotEqualTo(hasher.hash(new byte[] {1}));
    }

    @Test
    void matchesRfc6070StylePbkdf2Vector() {
        // PBKDF2-HMAC-SHA512, P="password", S="salt", c=1, dkLen=64 (published test vector)
        byte[] dk = PasswordHash.digest(PasswordHasher.Algorithm.SHA512_PBKDF2, 1, "salt".getBytes(UTF_8),
                "password".getBytes(UTF_8));
        assertThat(java.util.HexFormat.of().formatHex(dk)).isEqualTo(
                "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
                        + "c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce");
    }

    @Test
    void rejectsNonPositiveIterations() {
        assertThatThrownBy(() -> new PasswordHasher(PasswordHasher.Algorithm.SHA512_PBKDF2, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cliNamesAreMosquittos() {
        assertThat(PasswordHasher.Algorithm.fromCliName("sha512-pbkdf2")).isEqualTo(PasswordHasher.Algorithm.SHA512_PBKDF2);
        assertThat(PasswordHasher.Algorithm.fromCliName("sha512")).isEqualTo(PasswordHasher.Algorithm.SHA512);
        assertThat(PasswordHasher.Algorithm.fromCliName("md5")).isNull();
    }
}
