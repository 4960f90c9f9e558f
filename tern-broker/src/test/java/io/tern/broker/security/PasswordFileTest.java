package io.tern.broker.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PasswordFileTest {
    // Written by Debian's mosquitto_passwd 2.0.11 (-c -b pw alice alicepw; -H sha512 -b pw bob bobpw),
    // so the formats stay pinned even where the tool is not installed.
    static final String ALICE_PBKDF2 = "alice:$7$101$/KP3w5d7EiZ5ZwVE$QW6JqgTaPVfAjW9ZmQ8c0QwIFyinM4SnYqUdB2X4yb8Zy3N2bWmk37GBD7IpGvMwUqUGS+DmDwcrBrlAS1SJrA==";
    static final String BOB_SHA512 = "bob:$6$pSnFNH52wPQl3SA0$O4KUvXektvZX++tEZJ0ToqXDe5rwEj7Uvvgc4Q2zsud7AVmhcfc9QQrsCdqDRu8YHcoWdF/crr+9iagW1KXnPw==";

    @TempDir
    Path dir;

    @Test
    void acceptsMosquittoVectorsForRightPasswordsOnly() throws Exception {
        PasswordFile file = PasswordFile.parse("pw", List.of(ALICE_PBKDF2, BOB_SHA512));
        assertThat(file.check("alice", "alicepw".getBytes(UTF_8))).isTrue();
        assertThat(file.check("alice", "alicepw ".getBytes(UTF_8))).isFalse();
        assertThat(file.check("alice", "bobpw".getBytes(UTF_8))).isFalse();
        assertThat(file.check("bob", "bobpw".getBytes(UTF_8))).isTrue();
        assertThat(file.check("bob", "Bobpw".getBytes(UTF_8))).isFalse();
        assertThat(file.check("Alice", "alicepw".getBytes(UTF_8))).as("usernames are case-sensitive").isFalse();
    }

    @Test
    void readsFileWrittenByRealMosquittoPasswd() throws Exception {
        MosquittoTools.assumeInstalled(MosquittoTools.PASSWD);
        Path pw = dir.resolve("pw");
        Path log = dir.resolve("passwd.log");
        String passwd = MosquittoTools.PASSWD.toString();
        assertThat(MosquittoTools.run(log, passwd, "-c", "-b", pw.toString(), "carol", "s3cret pass")).isZero();
        assertThat(MosquittoTools.run(log, passwd, "-H", "sha512", "-b", pw.toString(), "dave", "päss wörd")).isZero();
        assertThat(MosquittoTools.run(log, passwd, "-I", "1000", "-b", pw.toString(), "erin", "x")).isZero();

        PasswordFile file = PasswordFile.load(pw);
        assertThat(file.usernames()).containsExactlyInAnyOrder("carol", "dave", "erin");
        assertThat(Files.readString(pw)).contains("dave:$6$", "erin:$7$1000$");
        assertThat(file.check("carol", "s3cret pass".getBytes(UTF_8))).isTrue();
        assertThat(file.check("carol", "s3cret".getBytes(UTF_8))).isFalse();
        assertThat(file.check("dave", "päss wörd".getBytes(UTF_8))).isTrue();
        assertThat(file.check("dave", "pass word".getBytes(UTF_8))).isFalse();
        assertThat(file.check("erin", "x".getBytes(UTF_8))).isTrue();
        assertThat(file.check("erin", "y".getBytes(UTF_8))).isFalse();
    }

    @Test
    void unknownUserAndWrongPasswordGiveTheSameAnswer() throws Exception {
        PasswordFile file = PasswordFile.parse("pw", List.of(ALICE_PBKDF2));
        assertThat(file.check("mallory", "alicepw".getBytes(UTF_8))).isFalse();
        assertThat(file.check("alice", "wrong".getBytes(UTF_8))).isFalse();
        assertThat(file.check(null, "alicepw".getBytes(UTF_8))).isFalse();
        // even an empty file answers (against its dummy) rather than short-cutting
        assertThat(PasswordFile.parse("empty", List.of()).check("alice", new byte[0])).isFalse();
    }

    @Test
    void skipsCommentsBlankLinesAndSurroundingBlanks() throws Exception {
        PasswordFile file = PasswordFile.parse("pw", List.of("# users", "", "   ", "  " + ALICE_PBKDF2 + " \r", "\t# indented comment"));
        assertThat(file.size()).isEqualTo(1);
        assertThat(file.check("alice", "alicepw".getBytes(UTF_8))).isTrue();
    }

    @Test
    void comparesPasswordBytesWithoutCharsetConversionAndRefusesNul() throws Exception {
        byte[] binary = {(byte) 0xff, (byte) 0xc3, 'x'};
        byte[] empty = {};
        PasswordFile file = PasswordFile.parse("pw", List.of(
                new PasswordHasher(PasswordHasher.Algorithm.SHA512_PBKDF2, 10).entry("bin", binary),
                new PasswordHasher(PasswordHasher.Algorithm.SHA512_PBKDF2, 10).entry("empty", empty)));
        assertThat(file.check("bin", binary)).isTrue();
        assertThat(file.check("bin", new byte[] {(byte) 0xff})).isFalse();
        assertThat(file.check("empty", empty)).isTrue();
        // HMAC pads keys with zero bytes, so without a guard "" and "\0" (or "x" and "x\0") would both pass
        assertThat(file.check("empty", new byte[] {0})).as("empty password is not a NUL byte").isFalse();
        assertThat(file.check("bin", new byte[] {(byte) 0xff, (byte) 0xc3, 'x', 0})).isFalse();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("sensor1:sensorpass1", "password is not hashed"),
                Arguments.of("nocolon", "found no ':'"),
                Arguments.of(":$6$abc$def", "empty username"),
                Arguments.of("user:", "no password hash"),
                Arguments.of("user:$5$abc$def", "unknown hash type '$5$'"),
                Arguments.of("user:$7$abc$/KP3w5d7EiZ5ZwVE$QW6J", "iteration count 'abc' is not a number"),
                Arguments.of("user:$7$0$/KP3w5d7EiZ5ZwVE$QW6J", "iteration count must be at least 1"),
                Arguments.of("user:$7$101$/KP3w5d7EiZ5ZwVE", "$7$ITERATIONS$SALT$HASH"),
                Arguments.of("user:$6$/KP3w5d7EiZ5ZwVE", "$6$SALT$HASH"),
                Arguments.of("user:$6$@@@@$QW6J", "salt is not valid Base64"),
                Arguments.of("user:$6$QUJD$" + ALICE_PBKDF2.substring(ALICE_PBKDF2.lastIndexOf('$') + 1), "salt must be 12 bytes, got 3"),
                Arguments.of("user:$6$/KP3w5d7EiZ5ZwVE$QUJD", "hash must be 64 bytes, got 3"),
                Arguments.of(ALICE_PBKDF2 + ":extra", "more than one ':'"),
                Arguments.of(ALICE_PBKDF2.replace("alice", "bob"), "already defined on line 2"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void aMalformedLineIsSkippedAsMosquittoDoesWhenNotStrict(String badLine, String reason) throws Exception {
        Path pw = dir.resolve("passwords.txt");
        Files.write(pw, List.of("# header", BOB_SHA512, badLine, ALICE_PBKDF2), UTF_8);
        PasswordFile file = PasswordFile.load(pw, false); // strict_password_file false, the default
        assertThat(file.usernames()).contains("bob");
        assertThat(file.check("bob", "wrong".getBytes(UTF_8))).isFalse();
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedLineNamesFileLineAndReason(String badLine, String reason) throws Exception {
        Path pw = dir.resolve("passwords.txt");
        Files.write(pw, List.of("# header", BOB_SHA512, badLine, ALICE_PBKDF2), UTF_8);
        assertThatThrownBy(() -> PasswordFile.load(pw))
                .isInstanceOfSatisfying(SecurityFileException.class, e -> {
                    assertThat(e.file()).isEqualTo(pw.toString());
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.getMessage()).startsWith(pw + ":3: ");
                });
    }

    @Test
    void missingFileIsAnIoError() {
        assertThatThrownBy(() -> PasswordFile.load(dir.resolve("absent"))).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
}
