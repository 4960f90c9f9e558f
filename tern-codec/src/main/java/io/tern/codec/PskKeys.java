package io.tern.codec;

import java.math.BigInteger;

/**
 * TLS-PSK keys as Mosquitto writes them: hexadecimal in {@code psk_file} and in {@code --psk}. It lives in the
 * codec because the broker and the client must decode them identically, and this is the module both share.
 */
public final class PskKeys {

    private PskKeys() {
    }

    /**
     * Decodes a hex key exactly as libmosquitto's {@code mosquitto__hex2bin} does: leading {@code 00} pairs
     * are kept as zero bytes, the rest is read as one big number (so {@code abc} is {@code 0a bc} and
     * {@code 0ab} is {@code ab}).
     *
     * @throws NumberFormatException when {@code hex} is empty or not hexadecimal
     */
    public static byte[] decode(String hex) {
        if (hex.isEmpty()) {
            throw new NumberFormatException("empty PSK");
        }
        int zeros = 0;
        while (hex.startsWith("00", zeros * 2)) {
            zeros++;
        }
        String rest = hex.substring(zeros * 2);
        byte[] digits = rest.isEmpty() ? new byte[0] : new BigInteger(rest, 16).toByteArray(); // may carry a sign byte
        int skip = 0;
        while (skip < digits.length && digits[skip] == 0) {
            skip++;
        }
        byte[] key = new byte[zeros + digits.length - skip];
        System.arraycopy(digits, skip, key, zeros, digits.length - skip);
        return key;
    }
}
