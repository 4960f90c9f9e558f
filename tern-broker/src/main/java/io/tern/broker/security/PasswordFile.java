package io.tern.broker.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Mosquitto's {@code password_file}: one {@code username:hash} per line, hashes in the {@code $7$}
 * (PBKDF2-HMAC-SHA512) or {@code $6$} (salted SHA-512) format that {@code mosquitto_passwd} writes.
 * Lines starting with {@code #} and blank lines are skipped; blanks around the username and hash are
 * trimmed, as Mosquitto does.
 *
 * <p>As Mosquitto 2.0 does, the broker logs a malformed line with its file and line and drops it (nobody
 * logs in with it); with {@code strict_password_file true} it is a load error instead, so a typo never
 * silently locks a user out. {@link #load(Path)} and {@link #parse(String, List)} are strict.
 *
 * <p>Immutable and thread-safe; reload by loading the file again. {@link #check} is deliberately slow
 * (PBKDF2) and blocking: call it off the event loop.
 */
public final class PasswordFile {
    private final String source;
    private final Map<String, PasswordHash> users;
    private final PasswordHash dummy;

    private PasswordFile(String source, Map<String, PasswordHash> users) {
        this.source = source;
        this.users = users;
        this.dummy = dummyLike(users);
    }

    /**
     * Reads and parses a password file (UTF-8).
     *
     * @throws SecurityFileException with file and line when a line is malformed
     * @throws IOException           when the file cannot be read
     */
    public static PasswordFile load(Path path) throws IOException {
        return load(path, true);
    }

    /**
     * Reads a password file; with {@code strict} false a malformed line is logged with its file and line and
     * skipped, as Mosquitto 2.0 does (nobody can log in with it), instead of failing the load.
     */
    public static PasswordFile load(Path path, boolean strict) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new SecurityFileException(path.toString(), 0, "not valid UTF-8");
        }
        return parse(path.toString(), lines, strict);
    }

    /**
     * Parses password file lines.
     *
     * @param source the file name used in error messages
     * @throws SecurityFileException with file and line when a line is malformed
     */
    public static PasswordFile parse(String source, List<String> lines) throws SecurityFileException {
        return parse(source, lines, true);
    }

    /** Parses password file lines; with {@code strict} false malformed lines are logged and skipped. */
    public static PasswordFile parse(String source, List<String> lines, boolean strict) throws SecurityFileException {
        Map<String, PasswordHash> users = new HashMap<>();
        Map<String, Integer> definedAt = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            try {
                parseLine(source, i + 1, lines.get(i), users, definedAt);
            } catch (SecurityFileException e) {
                if (strict) {
                    throw e;
                }
                org.slf4j.LoggerFactory.getLogger("tern.warning")
                        .warn("Warning: {}; the line is ignored (strict_password_file true refuses the file).",
                                e.getMessage());
            }
        }
        return new PasswordFile(source, Map.copyOf(users));
    }

    private static void parseLine(String source, int lineNo, String line, Map<String, PasswordHash> users,
                                  Map<String, Integer> definedAt) throws SecurityFileException {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
            return;
        }
        int colon = line.indexOf(':');
        if (colon < 0) {
            throw new SecurityFileException(source, lineNo, "expected 'username:hash', found no ':'");
        }
        String username = line.substring(0, colon).strip();
        String hashText = line.substring(colon + 1).strip();
        if (username.isEmpty()) {
            throw new SecurityFileException(source, lineNo, "empty username");
        }
        if (hashText.isEmpty()) {
            throw new SecurityFileException(source, lineNo, "no password hash for user '" + username + "'");
        }
        if (hashText.indexOf(':') >= 0) {
            throw new SecurityFileException(source, lineNo,
                    "more than one ':' (usernames may not contain ':') for user '" + username + "'");
        }
        PasswordHash hash;
        try {
            hash = PasswordHash.parse(hashText);
        } catch (IllegalArgumentException e) {
            throw new SecurityFileException(source, lineNo, "user '" + username + "': " + e.getMessage());
        }
        Integer first = definedAt.putIfAbsent(username, lineNo);
        if (first != null) {
            throw new SecurityFileException(source, lineNo,
                    "user '" + username + "' is already defined on line " + first);
        }
        users.put(username, hash);
    }

    /**
     * True when {@code username} is in the file and {@code password} hashes to its entry.
     *
     * <p>An unknown user costs the same as a known one with a wrong password: the password is hashed
     * against a dummy entry with the cost most entries in this file use, and the result compared in
     * constant time, so response time does not reveal which usernames exist. Nothing is cached.
     * Blocking and CPU-bound (PBKDF2); thread-safe.
     *
     * @param password the CONNECT password bytes, compared byte for byte (no charset conversion); a
     *                 password containing a NUL byte never matches
     */
    public boolean check(String username, byte[] password) {
        Objects.requireNonNull(password, "password");
        PasswordHash entry = username == null ? null : users.get(username);
        PasswordHash against = entry != null ? entry : dummy;
        boolean matches = MessageDigest.isEqual(against.hash(), against.digest(password));
        return entry != null & matches & !containsNul(password);
    }

    /**
     * Mosquitto compares C strings, so no stored password contains NUL; and HMAC zero-pads keys, so without
     * this "pw" and "pw\0" would hash alike under PBKDF2.
     */
    private static boolean containsNul(byte[] password) {
        boolean nul = false;
        for (byte b : password) {
            nul |= b == 0;
        }
        return nul;
    }

    /** Number of users in the file. */
    public int size() { return users.size(); }

    /** The usernames in the file, for diagnostics and tooling. */
    public Set<String> usernames() { return Collections.unmodifiableSet(users.keySet()); }

    /** The file name given at load time. */
    public String source() { return source; }

    /**
     * A dummy with the most common algorithm and iteration count of the real entries: an unknown user must
     * cost what a typical known user costs, whether the file was written with 101 or 210,000 iterations.
     */
    private static PasswordHash dummyLike(Map<String, PasswordHash> users) {
        Cost typical = users.values().stream()
                .collect(Collectors.groupingBy(h -> new Cost(h.algorithm(), h.iterations()), Collectors.counting()))
                .entrySet().stream()
                .max(Map.Entry.<Cost, Long>comparingByValue().thenComparing(e -> e.getKey().iterations()))
                .map(Map.Entry::getKey)
                .orElse(new Cost(PasswordHasher.Algorithm.SHA512_PBKDF2, PasswordHasher.DEFAULT_ITERATIONS));
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[PasswordHash.SALT_LENGTH];
        random.nextBytes(salt);
        byte[] hash = new byte[PasswordHash.HASH_LENGTH];
        random.nextBytes(hash);
        return new PasswordHash(typical.algorithm(), typical.iterations(), salt, hash);
    }

    private record Cost(PasswordHasher.Algorithm algorithm, int iterations) {}

    @Override
    public String toString() {
        return "PasswordFile[" + source + ", " + users.size() + " users]";
    }
}
