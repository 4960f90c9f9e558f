package io.tern.broker.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mosquitto's {@code psk_file}: one {@code identity:key} per line, the key in hexadecimal, {@code #} starting
 * a comment line, blank lines allowed. Keys are decoded as libmosquitto does on the client side, so the same
 * hex string given to {@code mosquitto_pub --psk} gives the same bytes (an odd number of digits is read with
 * a leading zero).
 */
public final class PskFile {

    private PskFile() {
    }

    /**
     * Reads a psk_file.
     *
     * @param path the file
     * @return identity to key bytes, in file order
     * @throws TransportConfigException naming the file and line for a missing file, a line without
     *                                  {@code :}, an empty identity or key, a non-hexadecimal key, or an identity
     *                                  given twice
     */
    public static Map<String, byte[]> load(Path path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new TransportConfigException("psk_file " + path + ": no such file", e);
        } catch (IOException e) {
            throw new TransportConfigException("psk_file " + path + ": cannot read: " + e.getMessage(), e);
        }
        Map<String, byte[]> keys = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String where = "psk_file " + path + " line " + (i + 1) + ": ";
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new TransportConfigException(where + "expected identity:hexkey");
            }
            String identity = line.substring(0, colon).strip();
            String hex = line.substring(colon + 1).strip();
            if (identity.isEmpty()) {
                throw new TransportConfigException(where + "empty identity");
            }
            if (hex.isEmpty()) {
                throw new TransportConfigException(where + "empty psk for identity \"" + identity + "\"");
            }
            if (!hex.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128)) {
                throw new TransportConfigException(where + "psk for identity \"" + identity
                        + "\" contains non-hexadecimal characters");
            }
            if (keys.containsKey(identity)) {
                throw new TransportConfigException(where + "identity \"" + identity + "\" is given twice");
            }
            keys.put(identity, decodeKey(hex));
        }
        return keys;
    }

    /**
     * Decodes a hex PSK as libmosquitto does ({@code --psk} on the client, psk_file on the broker).
     *
     * @param hex hexadecimal digits, any case
     * @return the key bytes
     */
    public static byte[] decodeKey(String hex) {
        return io.tern.codec.PskKeys.decode(hex);
    }
}
