package io.tern.store.rocksdb;

import io.tern.broker.store.StoreException;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whether a directory holds a store this Tern can open (a directory, empty or with a RocksDB database that has
 * Tern's column families and format version), and what to tell the operator when it does not: every refusal
 * and open failure names the directory and what can be done about it.
 */
final class StoreValidation {

    private StoreValidation() {
    }

    /** Creates a missing directory; refuses a non-empty directory that holds no database. Returns whether fresh. */
    static boolean prepareDirectory(Path path) throws StoreException {
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw new StoreException("Store " + path + " is not a directory: persistence_location must name a"
                    + " directory, where Tern keeps its RocksDB database.");
        }
        try {
            Files.createDirectories(path);
        } catch (IOException e) {
            throw new StoreException("Store directory " + path + " cannot be created (" + e + "). Check the path"
                    + " and that the user running Tern may create it.", e);
        }
        if (Files.exists(path.resolve("CURRENT"))) {
            return false;
        }
        try (Stream<Path> entries = Files.list(path)) {
            if (entries.findAny().isPresent()) {
                throw new StoreException("Store " + path + " is not a Tern store: the directory holds files but"
                        + " no RocksDB database (no CURRENT file). Point persistence_location at an empty directory"
                        + " or one Tern created, or, if this is a damaged Tern store, run `tern --repair-store "
                        + path + "`, or remove the directory to start empty, losing stored messages.");
            }
        } catch (AccessDeniedException e) {
            throw new StoreException("Store " + path + " cannot be opened: permission denied (" + e.getMessage()
                    + "). Give the user running Tern read and write access to the directory and its files.", e);
        } catch (IOException e) {
            throw new StoreException("Store " + path + " cannot be read (" + e + ").", e);
        }
        return true;
    }

    static void requireTernFamilies(Path path) throws RocksDBException, StoreException {
        List<byte[]> present;
        try (Options o = new Options()) {
            present = RocksDB.listColumnFamilies(o, path.toString());
        }
        boolean hasMeta = present.stream().anyMatch(f -> Arrays.equals(f, RocksStore.CF_META.getBytes(StandardCharsets.US_ASCII)));
        if (!hasMeta && present.size() <= 1) {
            // A damaged MANIFEST lists as just "default": open it to tell corruption from a foreign database.
            try (Options o = new Options(); RocksDB probe = RocksDB.openReadOnly(o, path.toString())) {
                probe.getLatestSequenceNumber();
            }
        }
        if (!hasMeta) {
            throw new StoreException("Store " + path + " holds a RocksDB database that is not a Tern store (it has"
                    + " no '" + RocksStore.CF_META + "' column family). Point persistence_location elsewhere, or remove the"
                    + " directory to start empty, losing what it holds.");
        }
    }

    /**
     * Writes the format version into a store that has none and no data; otherwise requires a version this Tern
     * reads, and marks an older one as upgraded to {@link RecordFormat#VERSION}.
     *
     * @return the message-id reservation recorded in {@code meta} (0 when none)
     */
    static long checkFormat(RocksDB db, ColumnFamilyHandle meta, List<ColumnFamilyHandle> handles, Path dir,
                            boolean fresh) throws StoreException, RocksDBException {
        byte[] version = db.get(meta, Keys.FORMAT_VERSION);
        if (version == null) {
            if (!fresh && !isEmpty(db, handles)) {
                throw new StoreException("Store " + dir + " has data but no format version: it was not written by"
                        + " Tern, or its meta data is damaged. Run `tern --check-store " + dir + "` for a report,"
                        + " or remove the directory to start empty, losing stored messages.");
            }
            try (WriteOptions durable = new WriteOptions().setSync(true)) {
                db.put(meta, durable, Keys.FORMAT_VERSION, Keys.int32(RecordFormat.VERSION));
            }
            return 0;
        }
        int v;
        try {
            v = Keys.int32(version);
        } catch (CorruptRecordException e) {
            throw new StoreException("Store " + dir + " has a damaged format version record (" + e.getMessage()
                    + "). Run `tern --check-store " + dir + "`, or remove the directory to start empty, losing"
                    + " stored messages.");
        }
        if (v < RecordFormat.OLDEST_READABLE || v > RecordFormat.VERSION) {
            throw new StoreException("Store " + dir + " was written in store format version " + v + "; this Tern"
                    + " reads format version " + RecordFormat.VERSION + ". Run the Tern release that wrote it (to"
                    + " drain its queues), or remove the directory to start empty, losing stored messages.");
        }
        if (v < RecordFormat.VERSION) {
            // older records read as they are; the records written from now on are the new version's, which the
            // release that wrote this store would misread, so the store says so
            try (WriteOptions durable = new WriteOptions().setSync(true)) {
                db.put(meta, durable, Keys.FORMAT_VERSION, Keys.int32(RecordFormat.VERSION));
            }
        }
        byte[] reserved = db.get(meta, Keys.MESSAGE_ID_RESERVED);
        return reserved == null ? 0 : Keys.readLong(reserved, 0);
    }

    private static boolean isEmpty(RocksDB db, List<ColumnFamilyHandle> handles) {
        for (ColumnFamilyHandle h : handles.subList(1, handles.size())) {
            try (RocksIterator it = db.newIterator(h)) {
                it.seekToFirst();
                if (it.isValid()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Turns a RocksDB open failure into what the operator can do about it. */
    static String describe(Path path, RocksDBException e) {
        String msg = String.valueOf(e.getMessage());
        Status.Code code = e.getStatus() == null ? null : e.getStatus().getCode();
        String lower = msg.toLowerCase(java.util.Locale.ROOT);
        // not just "lock": "block checksum mismatch" is a corruption, not a store in use
        if (lower.contains("while lock file") || msg.contains(java.io.File.separator + "LOCK")
                && !lower.contains("corruption") && !lower.contains("checksum")) {
            return "Store " + path + " is in use: another Tern broker (or another open store in this process)"
                    + " holds its lock file " + path.resolve("LOCK") + " (" + msg + "). Stop the other broker, or"
                    + " give this one a different persistence_location.";
        }
        if (lower.contains("permission denied")) {
            return "Store " + path + " cannot be opened: permission denied (" + msg + "). Give the user running"
                    + " Tern read and write access to the directory and its files.";
        }
        if (lower.contains("no space")) {
            return "Store " + path + " cannot be opened: the disk is full (" + msg + "). Free space and restart.";
        }
        String what = code == Status.Code.Corruption ? "is corrupted" : "cannot be opened";
        return "Store " + path + " " + what + " (" + msg + "). Run `tern --check-store " + path + "` for a"
                + " report and `tern --repair-store " + path + "` to keep what can be read, or remove the"
                + " directory to start empty, losing stored messages.";
    }
}
