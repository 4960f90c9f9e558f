package io.tern.broker.security;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One decoded password file hash in Mosquitto's formats:
 * {@code $7$<iterations>$<salt>$<hash>} (PBKDF2-HMAC-SHA512) or {@code $6$<salt>$<hash>} (SHA-512 of
 * password then salt). Salt is 12 bytes and the hash 64 bytes, both standard Base64, exactly as
 * Mosquitto 2.0 requires when it loads the file.
 */
record PasswordHash(PasswordHasher.Algorithm algorithm, int iterations, byte[] salt, byte[] hash) {
    static final int SALT_LENGTH = 12;
    static final int HASH_LENGTH = 64;

    /**
     * Decodes the part after {@code user:}.
     *
     * @throws IllegalArgumentException with a user-facing reason when the text is not a valid hash
     */
    static PasswordHash parse(String text) {
        if (!text.startsWith("$")) {
            throw new IllegalArgumentException("password is not hashed (plain text?); "
                    + "hash the file with 'tern-passwd -U FILE' or 'mosquitto_passwd -U FILE'");
        }
        String[] parts = text.substring(1).split("\\$", -1);
        PasswordHasher.Algorithm algorithm;
        int iterations = 0;
        int next;
        switch (parts[0]) {
            case "7" -> {
                algorithm = PasswordHasher.Algorithm.SHA512_PBKDF2;
                if (parts.length != 4) {
                    throw new IllegalArgumentException("a $7$ hash needs the form $7$ITERATIONS$SALT$HASH");
                }
                try {
                    iterations = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("iteration count '" + parts[1] + "' is not a number");
                }
                if (iterations < 1) {
                    throw new IllegalArgumentException("iteration count must be at least 1, got " + iterations);
                }
                next = 2;
            }
            case "6" -> {
                algorithm = PasswordHasher.Algorithm.SHA512;
                if (parts.length != 3) {
                    throw new IllegalArgumentException("a $6$ hash needs the form $6$SALT$HASH");
                }
                next = 1;
            }
            default -> throw new IllegalArgumentException("unknown hash type '$" + parts[0]
                    + "$' (Mosquitto knows $6$ = sha512 and $7$ = sha512-pbkdf2)");
        }
        byte[] salt = decode(parts[next], "salt");
        if (salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException("salt must be " + SALT_LENGTH + " bytes, got " + salt.length);
        }
        byte[] hash = decode(parts[next + 1], "hash");
        if (hash.length != HASH_LENGTH) {
            throw new IllegalArgumentException("hash must be " + HASH_LENGTH + " bytes, got " + hash.length);
        }
        return new PasswordHash(algorithm, iterations, salt, hash);
    }

    private static byte[] decode(String base64, String what) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not valid Base64: " + e.getMessage());
        }
    }

    /** Computes the digest of {@code password} with this entry's algorithm, salt and cost. */
    byte[] digest(byte[] password) {
        return digest(algorithm, iterations, salt, password);
    }

    /** True when {@code password} hashes to this entry; the comparison takes the same time wherever bytes differ. */
    boolean verify(byte[] password) {
        return MessageDigest.isEqual(hash, digest(password));
    }

    /** The file form, {@code $7$...} or {@code $6$...}. */
    String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        return switch (algorithm) {
            case SHA512_PBKDF2 -> "$7$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
            case SHA512 -> "$6$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
        };
    }

    static byte[] digest(PasswordHasher.Algorithm algorithm, int iterations, byte[] salt, byte[] password) {
        try {
            return switch (algorithm) {
                case SHA512 -> {
                    MessageDigest sha = MessageDigest.getInstance("SHA-512");
                    sha.update(password);
                    sha.update(salt);
                    yield sha.digest();
                }
                case SHA512_PBKDF2 -> pbkdf2HmacSha512(password, salt, iterations);
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-512 / HmacSHA512 missing from this JVM", e);
        }
    }

    /**
     * PBKDF2 (RFC 8018) with HMAC-SHA512 and a single 64-byte block, as OpenSSL's PKCS5_PBKDF2_HMAC computes
     * it for Mosquitto. Written out rather than using the JDK's PBKDF2WithHmacSHA512 because that one takes a
     * char[] and UTF-8-encodes it, while an MQTT password is arbitrary bytes.
     */
    private static byte[] pbkdf2HmacSha512(byte[] password, byte[] salt, int iterations)
            throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA512");
        // SecretKeySpec refuses an empty key; HMAC pads keys with zero bytes to the block size, so an
        // empty key and a single zero byte are the same key.
        mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA512"));
        mac.update(salt);
        mac.update(new byte[] {0, 0, 0, 1});
        byte[] u = mac.doFinal();
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            mac.update(u);
            mac.doFinal(u, 0);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        return result;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PasswordHash other && algorithm == other.algorithm && iterations == other.iterations
                && Arrays.equals(salt, other.salt) && Arrays.equals(hash, other.hash);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * algorithm.hashCode() + iterations) + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        // never print hashes into logs
        return "PasswordHash[" + algorithm + ", iterations=" + iterations + "]";
    }
}
