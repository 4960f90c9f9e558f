package io.tern.broker.security;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.List;

/**
 * Fuzz targets for the password and ACL file readers: any text is either read or rejected with a
 * {@link SecurityFileException} naming the line and the reason; what is read answers every question (password
 * check, publish, read, subscribe) without throwing.
 *
 * <p>The normal test run replays {@code src/test/resources/io/tern/broker/security/SecurityFilesFuzzTestInputs};
 * {@code -Pfuzz} runs a campaign (see the root pom).
 */
class SecurityFilesFuzzTest {

    /** Above this a password check costs too long for a fuzzer; the file may name any count. */
    private static final int MAX_CHECKED_ITERATIONS = 1000;

    @FuzzTest(maxDuration = "10s")
    void passwordFile(FuzzedDataProvider data) {
        String user = data.consumeString(20);
        byte[] password = data.consumeBytes(40);
        String text = data.consumeRemainingAsString();
        PasswordFile file;
        try {
            file = PasswordFile.parse("pw", lines(text));
        } catch (SecurityFileException e) {
            requireReason(e);
            return;
        }
        if (file.size() > 0 && cheap(text)) {
            file.check(user, password);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void aclFile(FuzzedDataProvider data) {
        String client = data.consumeString(20);
        String user = data.consumeBoolean() ? null : data.consumeString(20);
        String topic = data.consumeString(60);
        String text = data.consumeRemainingAsString();
        AclFile acl;
        try {
            acl = AclFile.parse("acl", lines(text));
        } catch (SecurityFileException e) {
            requireReason(e);
            return;
        }
        acl.canPublish(client, user, topic);
        acl.canRead(client, user, topic);
        acl.canReadSome(client, user, topic);
    }

    private static List<String> lines(String text) {
        return text.lines().toList();
    }

    private static void requireReason(SecurityFileException e) {
        if (e.getMessage() == null || e.getMessage().isBlank() || !e.getMessage().startsWith("pw")
                && !e.getMessage().startsWith("acl")) {
            throw new AssertionError("rejected without naming the file and a reason: " + e.getMessage(), e);
        }
    }

    /** Whether every PBKDF2 count in the text is small enough to check on each fuzzer run. */
    private static boolean cheap(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$7\\$(\\d{1,10})\\$").matcher(text);
        while (m.find()) {
            if (Long.parseLong(m.group(1)) > MAX_CHECKED_ITERATIONS) {
                return false;
            }
        }
        return true;
    }
}
