package io.tern.broker.security;

import java.security.SecureRandom;

/**
 * Creates password file entries in Mosquitto's formats, with a fresh random 12-byte salt per entry as
 * {@code mosquitto_passwd} does.
 *
 * <p>The default PBKDF2 cost is {@value #DEFAULT_ITERATIONS} iterations (OWASP's 2023 figure for
 * PBKDF2-HMAC-SHA512), far above the 101 iterations Mosquitto 2.0's {@code mosquitto_passwd} writes. The
 * iteration count is stored in each {@code $7$} entry, so Mosquitto reads these files unchanged; the price
 * is CPU per CONNECT (a few hundred milliseconds on a small core), which is why the broker verifies
 * passwords off its event loops. Use {@code -I} (or {@link #PasswordHasher(Algorithm, int)}) to trade
 * safety against connect rate.
 */
public final class PasswordHasher {
    /** PBKDF2 iterations used when none are given. */
    public static final int DEFAULT_ITERATIONS = 210_000;

    /** The hash algorithms Mosquitto understands, named as {@code mosquitto_passwd -H} names them. */
    public enum Algorithm {
        /** {@code $7$}: PBKDF2-HMAC-SHA512, 64-byte output. Mosquitto 2.0's default. */
        SHA512_PBKDF2("sha512-pbkdf2"),
        /** {@code $6$}: one SHA-512 over password then salt. Mosquitto 1.6 and earlier; weak, kept for old files. */
        SHA512("sha512");

        private final String cliName;

        Algorithm(String cliName) {
            this.cliName = cliName;
        }

        /** The name {@code -H} takes. */
        public String cliName() { return cliName; }

        /** The algorithm for a {@code -H} name, or null when unknown. */
        public static Algorithm fromCliName(String name) {
            for (Algorithm a : values()) {
                if (a.cliName.equals(name)) {
                    return a;
                }
            }
            return null;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Algorithm algorithm;
    private final int iterations;

    /** PBKDF2-HMAC-SHA512 with {@link #DEFAULT_ITERATIONS}. */
    public PasswordHasher() {
        this(Algorithm.SHA512_PBKDF2, DEFAULT_ITERATIONS);
    }

    /**
     * @param algorithm  which format to write
     * @param iterations PBKDF2 iterations (at least 1); ignored for {@link Algorithm#SHA512}
     */
    public PasswordHasher(Algorithm algorithm, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        }
        this.algorithm = algorithm;
        this.iterations = iterations;
    }

    /** The hash part of an entry, e.g. {@code $7$210000$<salt>$<hash>}. Thread-safe. */
    public String hash(byte[] password) {
        byte[] salt = new byte[PasswordHash.SALT_LENGTH];
        RANDOM.nextBytes(salt);
        int cost = algorithm == Algorithm.SHA512_PBKDF2 ? iterations : 0;
        return new PasswordHash(algorithm, cost, salt, PasswordHash.digest(algorithm, cost, salt, password)).encode();
    }

    /**
     * PBKDF2-HMAC-SHA512 of {@code password} (bytes as sent, no charset conversion) with a 64-byte result, as
     * OpenSSL computes it for Mosquitto (its password files and its dynamic-security plugin). Thread-safe.
     */
    public static byte[] pbkdf2Sha512(byte[] password, byte[] salt, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        }
        return PasswordHash.digest(Algorithm.SHA512_PBKDF2, iterations, salt, password);
    }

    /** A whole password file line without the newline: {@code username:$7$...}. */
    public String entry(String username, byte[] password) {
        return username + ":" + hash(password);
    }
}
