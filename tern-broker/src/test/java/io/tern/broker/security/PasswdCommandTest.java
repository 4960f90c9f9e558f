package io.tern.broker.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** tern-passwd against mosquitto_passwd 2.0.11's flags, messages and exit codes. */
class PasswdCommandTest {
    // keeps the suite fast; the default cost is covered by PasswordHasherTest and MosquittoInteropTest
    static final String FAST = "10";

    @TempDir
    Path dir;

    record Result(int exitCode, String out, String err) {}

    static Result withInput(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PasswdCommand.run(new ByteArrayInputStream(stdin.getBytes(UTF_8)),
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8), args);
        return new Result(code, out.toString(UTF_8), err.toString(UTF_8));
    }

    static Result run(String... args) {
        return withInput("", args);
    }

    String file(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void createInBatchModeWritesAVerifiableEntry() throws Exception {
        Result r = run("-c", "-I", FAST, "-b", file("pw"), "alice", "secret");
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        String content = Files.readString(dir.resolve("pw"));
        assertThat(content).startsWith("alice:$7$10$").endsWith("==\n").hasLineCount(1);
        PasswordFile pw = PasswordFile.load(dir.resolve("pw"));
        assertThat(pw.check("alice", "secret".getBytes(UTF_8))).isTrue();
        assertThat(pw.check("alice", "Secret".getBytes(UTF_8))).isFalse();
    }

    @Test
    void defaultIterationsAre210000() throws Exception {
        assertThat(run("-c", "-b", file("pw"), "alice", "secret").exitCode()).isZero();
        assertThat(Files.readString(dir.resolve("pw"))).startsWith("alice:$7$210000$");
    }

    @Test
    void createOverwritesAndNewFilesAreOwnerOnly() throws Exception {
        Files.writeString(dir.resolve("pw"), "old:junk\n");
        assertThat(run("-c", "-H", "sha512", "-b", file("pw"), "bob", "pw").exitCode()).isZero();
        assertThat(Files.readString(dir.resolve("pw"))).startsWith("bob:$6$").doesNotContain("old");
        assertThat(run("-c", "-I", FAST, "-b", file("new"), "bob", "pw").exitCode()).isZero();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new"))))
                .isEqualTo("rw-------");
    }

    @Test
    void interactivePromptsTwiceAndHashesTheTypedPassword() throws Exception {
        Result r = withInput("s3cret\ns3cret\n", "-c", "-I", FAST, file("pw"), "alice");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("Password: \nReenter password: \n");
        assertThat(PasswordFile.load(dir.resolve("pw")).check("alice", "s3cret".getBytes(UTF_8))).isTrue();
    }

    @Test
    void mismatchedPasswordsExitWithTwoAndWriteNothing() {
        Result r = withInput("one\ntwo\n", "-c", file("pw"), "alice");
        assertThat(r.err()).isEqualTo("Error: Passwords do not match.\n");
        assertThat(r.exitCode()).as("mosquitto_passwd 2.0.11 exits 2 here").isEqualTo(2);
        assertThat(dir.resolve("pw")).doesNotExist();
    }

    @Test
    void emptyOrMissingPasswordIsRefused() {
        Result empty = withInput("\n\n", "-c", file("pw"), "alice");
        assertThat(empty.exitCode()).isEqualTo(1);
        assertThat(empty.err()).isEqualTo("Error: Empty password.\n");
        Result eof = withInput("abc\n", "-c", file("pw"), "alice");
        assertThat(eof.exitCode()).isEqualTo(1);
        assertThat(eof.err()).isEqualTo("Error: Empty password.\n");
        assertThat(dir.resolve("pw")).doesNotExist();
    }

    @Test
    void addsUpdatesAndDeletesUsersKeepingOtherLines() throws Exception {
        assertThat(run("-c", "-I", FAST, "-b", file("pw"), "alice", "a1").exitCode()).isZero();
        assertThat(run("-I", FAST, "-b", file("pw"), "bob", "b1").exitCode()).isZero();
        Files.writeString(dir.resolve("pw"), "# team\n" + Files.readString(dir.resolve("pw")));
        String bobLine = Files.readAllLines(dir.resolve("pw")).get(2);

        Result update = withInput("a2\na2\n", "-I", FAST, file("pw"), "alice");
        assertThat(update.exitCode()).isZero();
        List<String> lines = Files.readAllLines(dir.resolve("pw"));
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("# team");
        assertThat(lines.get(1)).startsWith("alice:$7$10$");
        assertThat(lines.get(2)).isEqualTo(bobLine);
        PasswordFile pw = PasswordFile.load(dir.resolve("pw"));
        assertThat(pw.check("alice", "a2".getBytes(UTF_8))).isTrue();
        assertThat(pw.check("alice", "a1".getBytes(UTF_8))).isFalse();
        assertThat(pw.check("bob", "b1".getBytes(UTF_8))).isTrue();

        assertThat(run("-D", file("pw"), "alice").exitCode()).isZero();
        assertThat(Files.readAllLines(dir.resolve("pw"))).containsExactly("# team", bobLine);
    }

    @Test
    void deletingAnUnknownUserWarnsExitsOneAndKeepsTheFile() throws Exception {
        assertThat(run("-c", "-I", FAST, "-b", file("pw"), "alice", "a1").exitCode()).isZero();
        String before = Files.readString(dir.resolve("pw"));
        Result r = run("-D", file("pw"), "nobody");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("Warning: User nobody not found in password file.\n");
        assertThat(Files.readString(dir.resolve("pw"))).isEqualTo(before);
    }

    @Test
    void upgradesTheExamplePlainTextFileInPlace() throws Exception {
        Path example = Path.of("/work/shared/examples/passwords.txt");
        Path pw = dir.resolve("passwords.txt");
        if (Files.exists(example)) {
            Files.copy(example, pw);
        } else {
            Files.writeString(pw, "sensor1:sensorpass1\nsensor2:sensorpass2\n");
        }
        List<String> plain = Files.readAllLines(pw).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(plain).isNotEmpty();

        Result r = run("-U", "-I", FAST, pw.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();

        PasswordFile file = PasswordFile.load(pw);
        assertThat(file.size()).isEqualTo(plain.size());
        for (String line : plain) {
            String user = line.substring(0, line.indexOf(':'));
            String password = line.substring(line.indexOf(':') + 1);
            assertThat(file.check(user, password.getBytes(UTF_8))).as(user).isTrue();
            assertThat(file.check(user, (password + "x").getBytes(UTF_8))).as(user).isFalse();
        }
        // running -U again must not hash the hashes
        String hashed = Files.readString(pw);
        assertThat(run("-U", pw.toString()).exitCode()).isZero();
        assertThat(Files.readString(pw)).isEqualTo(hashed);
    }

    @Test
    void corruptLineIsReportedWithItsNumber() throws Exception {
        Files.writeString(dir.resolve("pw"), "alice:x\nbroken\n");
        Result r = run("-U", file("pw"));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("Error: Corrupt password file at line 2.\n");
        assertThat(Files.readString(dir.resolve("pw"))).isEqualTo("alice:x\nbroken\n");
    }

    @Test
    void missingFileIsReportedLikeMosquittoPasswd() {
        String missing = file("absent");
        Result r = run("-b", missing, "u", "p");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("Error: Unable to open password file " + missing + ". No such file or directory.\n");
    }

    @Test
    void noArgumentsPrintsUsage() {
        Result r = run();
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("Usage: tern-passwd", "-U : update a plain text password file");
    }

    static Stream<Arguments> argumentErrors() {
        return Stream.of(
                Arguments.of(new String[] {"-H"}, "Error: -H argument given but not enough other arguments.\n"),
                Arguments.of(new String[] {"-H", "md5", "f", "u"}, "Error: Unknown hash type 'md5'\n"),
                Arguments.of(new String[] {"-I"}, "Error: -I argument given but not enough other arguments.\n"),
                Arguments.of(new String[] {"-I", "0", "f", "u"}, "Error: Number of iterations must be > 0.\n"),
                Arguments.of(new String[] {"-I", "abc", "f", "u"}, "Error: Number of iterations must be > 0.\n"),
                Arguments.of(new String[] {"-c", "-D", "f", "u"}, "Error: -c and -D cannot be used together.\n"),
                Arguments.of(new String[] {"-c", "-U", "f"}, "Error: -c and -U cannot be used together.\n"),
                Arguments.of(new String[] {"-D", "-U", "f"}, "Error: -D and -U cannot be used together.\n"),
                Arguments.of(new String[] {"-b", "-D", "f", "u"}, "Error: -b and -D cannot be used together.\n"),
                Arguments.of(new String[] {"-c", "-b", "f", "u"},
                        "Error: -c argument given but password file, username, or password missing.\n"),
                Arguments.of(new String[] {"-c", "f"}, "Error: -c argument given but password file or username missing.\n"),
                Arguments.of(new String[] {"-D", "f"}, "Error: -D argument given but password file or username missing.\n"),
                Arguments.of(new String[] {"-U"}, "Error: -U argument given but password file missing.\n"),
                Arguments.of(new String[] {"-U", "f", "g"}, "Error: -U argument given but password file missing.\n"),
                Arguments.of(new String[] {"-b", "f", "u:x", "p"}, "Error: Username must not contain the ':' character.\n"),
                Arguments.of(new String[] {"-b", "f", "u\tx", "p"}, "Error: Username must not contain control characters.\n"));
    }

    @ParameterizedTest
    @MethodSource("argumentErrors")
    void argumentErrorsMatchMosquittoPasswd(String[] args, String message) {
        Result r = run(args);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo(message);
    }

    @Test
    void wrongPositionalCountsPrintUsage() {
        for (String[] args : List.of(new String[] {"-b", "f", "u"}, new String[] {"f"}, new String[] {"f", "u", "p"},
                new String[] {"-x", "f", "u"})) {
            Result r = run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(r.out()).as(String.join(" ", args)).contains("Usage: tern-passwd");
        }
    }

    @Test
    void atSignArgumentsAreNotExpandedAsFiles() throws Exception {
        Files.writeString(dir.resolve("args"), "should-not-be-read\n");
        assertThat(run("-c", "-I", FAST, "-b", file("pw"), "u", "@" + file("args")).exitCode()).isZero();
        assertThat(PasswordFile.load(dir.resolve("pw")).check("u", ("@" + file("args")).getBytes(UTF_8))).isTrue();
    }
}
