package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.StoreException;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code tern --check-store} and {@code --repair-store}: an offline consistency check of a {@link RocksStore}
 * and a repair that keeps everything readable and consistent, reporting each record it had to drop.
 */
final class StoreCheck {

    /** Problems of one kind beyond this many are counted but not listed. */
    private static final int LISTED = 10;
    private static final int BATCH_OPS = 10_000;

    private final RocksStore store;
    private final RocksDB db;
    private final boolean fix;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, Integer> problemKinds = new HashMap<>();
    private final List<String> notes = new ArrayList<>();
    private WriteBatch batch;
    private int batched;
    private long changes;

    private StoreCheck(RocksStore store, boolean fix) {
        this.store = store;
        this.db = store.db();
        this.fix = fix;
        this.batch = fix ? new WriteBatch() : null;
    }

    static String check(Path dir) throws StoreException {
        Path path = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(path) && StoreSalvage.looksLikeDatabase(path)) {
            List<String> damage = StoreSalvage.diagnose(path);
            if (!damage.isEmpty()) {
                // the records cannot all be read: name the files instead of failing at the first bad block
                String nl = System.lineSeparator();
                StringBuilder sb = new StringBuilder("Check of Tern store ").append(path).append(nl);
                for (String d : damage) {
                    sb.append("  damaged: ").append(d).append(nl);
                }
                return sb.append("PROBLEMS: ").append(damage.size()).append(" damaged file(s); run `tern"
                        + " --repair-store ").append(path).append("` (with the broker stopped) to keep every"
                        + " readable record").toString();
            }
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE, false)) {
            return new StoreCheck(store, false).run();
        }
    }

    static String repair(Path dir) throws StoreException {
        Path path = dir.toAbsolutePath().normalize();
        String salvaged = "";
        if (Files.isDirectory(path) && StoreSalvage.looksLikeDatabase(path)) {
            List<String> damage = StoreSalvage.diagnose(path);
            if (!damage.isEmpty()) {
                salvaged = StoreSalvage.salvage(path, damage);
            }
        }
        return salvaged + repairRecords(dir);
    }

    private static String repairRecords(Path dir) throws StoreException {
        String changesReport;
        RocksStore store;
        try {
            store = RocksStore.open(dir, PersistenceSync.NONE, true);
        } catch (StoreException e) {
            throw new StoreException("Store " + dir.toAbsolutePath().normalize() + " cannot be repaired: even a"
                    + " lenient open (skipping corrupted log records) failed: " + e.getMessage()
                    + " If it cannot be fixed by hand, remove the directory to start empty, losing stored"
                    + " messages.", e);
        }
        try (store) {
            changesReport = new StoreCheck(store, true).run();
        }
        return changesReport + System.lineSeparator() + check(dir);
    }

    private String run() throws StoreException {
        try {
            Set<Long> messageIds = new HashSet<>();
            long messageCount = scanMessages(messageIds);
            long sessionCount = scanSessions();
            long retainedCount = scanRetained();
            long inboundCount = scanInbound();
            Map<Long, Long> references = new HashMap<>();
            Map<String, Long> perClient = new HashMap<>();
            long entries = scanQueues(messageIds, references, perClient);
            checkRefs(messageIds, references);
            if (fix) {
                flushBatch(); // the entries dropped so far no longer count for the packet-id records
            }
            checkSentIds();
            Set<String> sessionIds = sessionIds();
            long queuesWithoutSession = perClient.keySet().stream().filter(c -> !sessionIds.contains(c)).count();
            if (queuesWithoutSession > 0) {
                notes.add(queuesWithoutSession + " queue(s) belong to no stored session (the broker drops them"
                        + " or keeps them per its session rules)");
            }
            if (fix) {
                flushBatch();
                db.flushWal(true);
            }
            return report(messageCount, sessionCount, retainedCount, inboundCount, entries, perClient.size());
        } catch (RocksDBException e) {
            throw new StoreException(StoreValidation.describe(store.directory(), e), e);
        } finally {
            if (batch != null) {
                batch.close();
            }
        }
    }

    private long scanMessages(Set<Long> ids) throws RocksDBException {
        long n = 0;
        try (RocksIterator it = db.newIterator(store.messages)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                try {
                    long id = Keys.messageId(it.key());
                    RecordFormat.message(it.value());
                    ids.add(id);
                    n++;
                } catch (CorruptRecordException e) {
                    problem("damaged message", "message " + hex(it.key()) + " does not decode: " + e.getMessage());
                    delete(store.messages, it.key());
                }
            }
            it.status();
        }
        return n;
    }

    private long scanSessions() throws RocksDBException {
        long n = 0;
        try (RocksIterator it = db.newIterator(store.sessions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                try {
                    RecordFormat.session(Keys.string(it.key()), it.value());
                    n++;
                } catch (CorruptRecordException e) {
                    problem("damaged session", "session " + Keys.string(it.key()) + " does not decode: "
                            + e.getMessage());
                    delete(store.sessions, it.key());
                }
            }
            it.status();
        }
        return n;
    }

    private Set<String> sessionIds() throws RocksDBException {
        Set<String> ids = new HashSet<>();
        try (RocksIterator it = db.newIterator(store.sessions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                ids.add(Keys.string(it.key()));
            }
            it.status();
        }
        return ids;
    }

    private long scanRetained() throws RocksDBException {
        long n = 0;
        try (RocksIterator it = db.newIterator(store.retained)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                try {
                    RecordFormat.message(it.value());
                    n++;
                } catch (CorruptRecordException e) {
                    problem("damaged retained message", "retained message on " + Keys.string(it.key())
                            + " does not decode: " + e.getMessage());
                    delete(store.retained, it.key());
                }
            }
            it.status();
        }
        return n;
    }

    private long scanInbound() throws RocksDBException {
        long n = 0;
        try (RocksIterator it = db.newIterator(store.inbound)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                try {
                    Keys.clientOf(it.key(), 2);
                    n++;
                } catch (CorruptRecordException e) {
                    problem("damaged inbound QoS 2 id", "inbound QoS 2 key " + hex(it.key()) + ": " + e.getMessage());
                    delete(store.inbound, it.key());
                }
            }
            it.status();
        }
        return n;
    }

    private long scanQueues(Set<Long> messageIds, Map<Long, Long> references, Map<String, Long> perClient)
            throws RocksDBException {
        long n = 0;
        try (RocksIterator it = db.newIterator(store.queues)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] key = it.key();
                String client;
                long messageId;
                boolean inline;
                try {
                    client = Keys.clientOf(key, 8);
                    io.tern.broker.store.QueueEntry entry = RecordFormat.entry(Keys.seqOf(key), it.value());
                    messageId = entry.messageId();
                    inline = entry.message() != null;
                } catch (CorruptRecordException e) {
                    problem("damaged queue entry", "queue entry " + hex(key) + " does not decode: " + e.getMessage());
                    delete(store.queues, key);
                    continue;
                }
                if (inline) {
                    // format 3: the entry carries its message and counts in no reference count
                    perClient.merge(client, 1L, Long::sum);
                    n++;
                    continue;
                }
                if (!messageIds.contains(messageId)) {
                    problem("queue entry without its message", "queue entry " + Keys.seqOf(key) + " of " + client
                            + " refers to message " + messageId + ", which does not exist");
                    delete(store.queues, key);
                    continue;
                }
                references.merge(messageId, 1L, Long::sum);
                perClient.merge(client, 1L, Long::sum);
                n++;
            }
            it.status();
        }
        return n;
    }

    private void checkRefs(Set<Long> messageIds, Map<Long, Long> references) throws RocksDBException {
        Set<Long> counted = new HashSet<>();
        try (RocksIterator it = db.newIterator(store.refs)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                long id;
                long stored;
                try {
                    id = Keys.messageId(it.key());
                    stored = Keys.counter(it.value());
                } catch (CorruptRecordException e) {
                    problem("damaged reference count", "reference count " + hex(it.key()) + ": " + e.getMessage());
                    delete(store.refs, it.key());
                    continue;
                }
                counted.add(id);
                if (!messageIds.contains(id)) {
                    problem("reference count without message", "message " + id + " is gone but has a reference"
                            + " count of " + stored);
                    delete(store.refs, it.key());
                    continue;
                }
                long actual = references.getOrDefault(id, 0L);
                if (stored != actual) {
                    problem("wrong reference count", "message " + id + " has reference count " + stored + " but "
                            + actual + " queue entries refer to it");
                    if (fix && actual > 0) {
                        put(store.refs, it.key(), Keys.counter(actual));
                    }
                }
                if (actual == 0) {
                    if (stored == 0) {
                        problem("unreferenced message", "message " + id + " is referenced by no queue entry");
                    }
                    delete(store.messages, it.key());
                    delete(store.refs, it.key());
                }
            }
            it.status();
        }
        for (long id : messageIds) {
            if (!counted.contains(id)) {
                long actual = references.getOrDefault(id, 0L);
                problem(actual == 0 ? "unreferenced message" : "missing reference count", "message " + id
                        + " has no reference count; " + actual + " queue entries refer to it");
                if (actual == 0) {
                    delete(store.messages, Keys.messageId(id));
                } else {
                    put(store.refs, Keys.messageId(id), Keys.counter(actual));
                }
            }
        }
    }

    /**
     * Packet-id records whose queue entry is gone (the entry was dropped by a repair, or the record outlived it):
     * dropped, so a later entry of the same sequence number could not inherit the id.
     */
    private void checkSentIds() throws RocksDBException {
        try (RocksIterator it = db.newIterator(store.sent)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] key = it.key();
                if (it.value().length != 2) {
                    problem("damaged packet id", "packet id record " + hex(key) + " of " + it.value().length
                            + " bytes");
                    delete(store.sent, key);
                } else if (db.get(store.queues, key) == null) {
                    problem("packet id without queue entry", "packet id record " + hex(key)
                            + " belongs to no queue entry");
                    delete(store.sent, key);
                }
            }
            it.status();
        }
    }

    private String report(long messageCount, long sessionCount, long retainedCount, long inboundCount, long entries,
                          int queueCount) {
        String nl = System.lineSeparator();
        StringBuilder sb = new StringBuilder();
        sb.append(fix ? "Repair of" : "Check of").append(" Tern store ").append(store.directory())
                .append(" (format version ").append(RecordFormat.VERSION).append(')').append(nl);
        sb.append("  sessions:            ").append(sessionCount).append(nl);
        sb.append("  queued entries:      ").append(entries).append(" in ").append(queueCount).append(" queue(s)")
                .append(nl);
        sb.append("  stored messages:     ").append(messageCount).append(nl);
        sb.append("  retained messages:   ").append(retainedCount).append(nl);
        sb.append("  inbound QoS 2 ids:   ").append(inboundCount).append(nl);
        for (String note : notes) {
            sb.append("  note: ").append(note).append(nl);
        }
        for (Map.Entry<String, Integer> kind : problemKinds.entrySet()) {
            sb.append("  ").append(kind.getKey()).append(": ").append(kind.getValue()).append(nl);
        }
        for (String p : problems) {
            sb.append("    ").append(p).append(nl);
        }
        int total = problemKinds.values().stream().mapToInt(Integer::intValue).sum();
        if (fix) {
            sb.append(total == 0 ? "OK: nothing to repair" : "REPAIRED: " + total + " problem(s) fixed with "
                    + changes + " change(s); the records listed above were dropped or corrected");
        } else {
            sb.append(total == 0 ? "OK: the store is consistent" : "PROBLEMS: " + total + " found; run `tern"
                    + " --repair-store " + store.directory() + "` (with the broker stopped) to fix them");
        }
        return sb.toString();
    }

    private void problem(String kind, String detail) {
        int n = problemKinds.merge(kind, 1, Integer::sum);
        if (n <= LISTED) {
            problems.add(detail);
        } else if (n == LISTED + 1) {
            problems.add("(further " + kind + " problems are counted, not listed)");
        }
    }

    private void delete(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
        if (fix) {
            batch.delete(cf, key);
            changed();
        }
    }

    private void put(ColumnFamilyHandle cf, byte[] key, byte[] value) throws RocksDBException {
        if (fix) {
            batch.put(cf, key, value);
            changed();
        }
    }

    private void changed() throws RocksDBException {
        changes++;
        if (++batched >= BATCH_OPS) {
            flushBatch();
        }
    }

    private void flushBatch() throws RocksDBException {
        if (batched > 0) {
            try (WriteOptions wo = new WriteOptions()) {
                db.write(wo, batch);
            }
            batch.clear();
            batched = 0;
        }
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 32); i++) {
            sb.append(String.format("%02x", b[i]));
        }
        return b.length > 32 ? sb + "..." : sb.toString();
    }
}
