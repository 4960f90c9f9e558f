package io.tern.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where the durable store lives for a {@code persistence_file}. Mosquitto's persistence file is one regular file:
 * deleting it starts the broker afresh, and scripts (Mosquitto's own tests among them) do exactly that. Tern's
 * store is a directory, so {@code persistence_file F} is a small marker file naming the store directory
 * {@code F.d} beside it (the store itself is {@code F.d/store}); both carry the same random token. A store directory whose marker was deleted or
 * replaced is discarded at start, as Mosquitto starts empty without its file. An existing directory at
 * {@code F} (a store written before this layout) is used as it is; a file at {@code F} that is not a marker
 * (Mosquitto's own database, say) stops start-up rather than being overwritten.
 */
final class PersistenceFile {

    static final String DIRECTORY_SUFFIX = ".d";
    private static final String MARK = "TERN-STORE";
    private static final String HEADER = "tern-store ";

    private PersistenceFile() {
    }

    /** The directory to open the store in for the persistence file {@code file}, made ready. */
    static Path storeDirectory(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            return file;
        }
        Path dir = file.resolveSibling(file.getFileName() + DIRECTORY_SUFFIX);
        String token = null;
        if (Files.exists(file)) {
            token = token(file);
            if (token == null) {
                throw new IOException(file + " is not a Tern persistence file (Tern cannot read Mosquitto's "
                        + "database format): move it away, or set persistence_file to another name");
            }
        }
        Path mark = dir.resolve(MARK);
        if (Files.isDirectory(dir)) {
            String have = Files.isRegularFile(mark) ? Files.readString(mark, StandardCharsets.UTF_8).strip() : null;
            if (token == null || !token.equals(have)) {
                Log.NOTICE.info("Persistence file {} is missing or belongs to another store: starting with an empty "
                        + "store (removing {}).", file, dir);
                delete(dir);
            }
        }
        if (!Files.isDirectory(dir)) {
            if (token == null) {
                token = UUID.randomUUID().toString();
            }
            Files.createDirectories(dir);
            Files.writeString(mark, token + "\n", StandardCharsets.UTF_8);
            Files.writeString(file, HEADER + token + "\nThe store is the directory " + dir.getFileName()
                    + "/store beside this file; delete this file to start afresh.\n", StandardCharsets.UTF_8);
        }
        return dir.resolve("store");
    }

    private static String token(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) > 4096) {
            return null;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            return null;
        }
        if (lines.isEmpty() || !lines.get(0).startsWith(HEADER)) {
            return null;
        }
        String t = lines.get(0).substring(HEADER.length()).strip();
        return t.isEmpty() ? null : t;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
