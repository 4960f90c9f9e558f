package io.tern.broker.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Outcomes measured against Debian's mosquitto 2.0.11 (CONNACK 5 / 0x87 for every refusal). */
class BasicAuthenticatorTest {
    static final PasswordFile PASSWORDS;

    static {
        try {
            PASSWORDS = PasswordFile.parse("pw", List.of(PasswordFileTest.ALICE_PBKDF2));
        } catch (SecurityFileException e) {
            throw new AssertionError(e);
        }
    }

    static final AuthResult OK = AuthResult.ACCEPT;
    static final AuthResult NO = AuthResult.NOT_AUTHORISED;
    /** Wrong credentials: CONNACK 4 / 0x86 as the spec defines (Mosquitto 2.0 answers 5 instead). */
    static final AuthResult BAD = AuthResult.BAD_USERNAME_OR_PASSWORD;

    static Stream<Arguments> table() {
        return Stream.of(
                // passwords, allowAnonymous, prefix, clientId, username, password, expected
                Arguments.of(true, true, null, "c", "alice", "alicepw", OK),
                Arguments.of(true, true, null, "c", "alice", "wrong", BAD),
                Arguments.of(true, true, null, "c", "mallory", "wrong", BAD),    // unknown user: same answer
                Arguments.of(true, true, null, "c", "alice", null, BAD),
                Arguments.of(true, true, null, "c", null, null, OK),
                Arguments.of(true, false, null, "c", null, null, NO),
                Arguments.of(true, false, null, "c", "alice", "alicepw", OK),
                Arguments.of(true, false, null, "c", "mallory", "alicepw", BAD),
                Arguments.of(false, true, null, "c", "bob", "anything", OK),   // no password file: username ignored
                Arguments.of(false, false, null, "c", "bob", "anything", NO),
                Arguments.of(false, false, null, "c", null, null, NO),
                Arguments.of(true, false, "sensor-", "sensor-1", "alice", "alicepw", OK),
                Arguments.of(true, false, "sensor-", "foo", "alice", "alicepw", NO),
                Arguments.of(true, true, "sensor-", "foo", null, null, NO),
                Arguments.of(true, true, "sensor-", "sensor-2", null, null, OK),
                Arguments.of(true, true, "", "foo", null, null, OK));
    }

    @ParameterizedTest(name = "[{index}] file={0} anon={1} prefix={2} {3}/{4}/{5} -> {6}")
    @MethodSource("table")
    void decides(boolean withFile, boolean allowAnonymous, String prefix, String clientId,
                            String username, String password, AuthResult expected) {
        Authenticator auth = new BasicAuthenticator(withFile ? PASSWORDS : null, allowAnonymous, prefix);
        assertThat(auth.authenticate(clientId, username, password == null ? null : password.getBytes(UTF_8)))
                .isEqualTo(expected);
    }
}
