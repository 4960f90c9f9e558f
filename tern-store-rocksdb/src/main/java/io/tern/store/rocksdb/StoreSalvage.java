package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.StoreException;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileReader;
import org.rocksdb.SstFileReaderIterator;
import org.rocksdb.TableProperties;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The part of {@code --repair-store} that opening the database cannot do: a store whose MANIFEST is missing or
 * damaged, or that has a table file failing its checksums, is rebuilt into a fresh database from what can still
 * be read. RocksJava (11.8.1) has no binding for RocksDB's {@code RepairDB}, and {@code best_efforts_recovery}
 * drops whole files and needs a MANIFEST, so the salvage is done here with the public API:
 * <ol>
 * <li>every table file is read with {@link SstFileReader}: forward from its first record to the first damaged
 * block, then backward from its last record to the last damaged block, so a damaged block loses only the
 * records in it (and, with several, those between them);</li>
 * <li>the write-ahead logs are replayed record by record ({@link WalReader}), stopping in each at the first
 * damaged record;</li>
 * <li>when the damaged database still opens (a damaged table under an intact MANIFEST), it is the authority for
 * each salvaged key: its answer respects deletions and newer versions in the healthy files; a key whose
 * lookup reaches the damaged block keeps its salvaged value. Without a MANIFEST a record found in several
 * table files is taken from the newest file, and records deleted before their deletion was compacted away may
 * come back (a dequeued message may be delivered again, at least once is kept);</li>
 * <li>the records are written into a fresh store beside the old one, which is kept as {@code DIR.damaged-TIME}
 * for the operator, and the fresh store takes its place; reference and queue counts are not salvaged but
 * recounted from the queue entries kept, and {@link StoreCheck}'s record repair follows.</li>
 * </ol>
 */
final class StoreSalvage {

    /** Families salvaged as records; the counts are recomputed from them, and unqueued markers only matter at a crash. */
    private static final List<String> SALVAGED = List.of(RocksStore.CF_MESSAGES, RocksStore.CF_QUEUES,
            RocksStore.CF_SESSIONS, RocksStore.CF_RETAINED, RocksStore.CF_INBOUND, RocksStore.CF_META,
            RocksStore.CF_SENT);
    /** The families in the order a store of this version creates them: their ids when no file says otherwise. */
    private static final List<String> CREATED_ORDER = List.of(RocksStore.CF_MESSAGES, RocksStore.CF_REFS,
            RocksStore.CF_QUEUES, RocksStore.CF_QUEUE_COUNTS, RocksStore.CF_SESSIONS, RocksStore.CF_RETAINED,
            RocksStore.CF_INBOUND, RocksStore.CF_META, RocksStore.CF_UNQUEUED, RocksStore.CF_SENT);

    private StoreSalvage() {
    }

    /**
     * What is wrong with the store's files, each line naming a file: CURRENT or the MANIFEST it names missing
     * or unreadable, table files that fail their checksums. Empty when the files are sound.
     */
    static List<String> diagnose(Path dir) {
        List<String> damage = new ArrayList<>();
        Path current = dir.resolve("CURRENT");
        if (!Files.exists(current)) {
            damage.add("CURRENT is missing (it names the MANIFEST)");
        } else {
            String manifest = null;
            try {
                manifest = Files.readString(current, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                damage.add("CURRENT cannot be read: " + e.getMessage());
            }
            if (manifest != null) {
                Path m = dir.resolve(manifest);
                if (manifest.isEmpty() || !manifest.startsWith("MANIFEST-")) {
                    damage.add("CURRENT is damaged: it does not name a MANIFEST");
                } else if (!Files.exists(m)) {
                    damage.add(manifest + " (named by CURRENT) is missing");
                } else {
                    try (Options o = new Options()) {
                        java.util.Set<String> listed = new java.util.TreeSet<>();
                        for (byte[] f : RocksDB.listColumnFamilies(o, dir.toString())) {
                            listed.add(new String(f, StandardCharsets.UTF_8));
                        }
                        // a MANIFEST cut short lists the families created before the cut: the tables tell
                        java.util.Set<String> unlisted = new java.util.TreeSet<>(tableFamilies(dir));
                        unlisted.removeAll(listed);
                        boolean someTern = CREATED_ORDER.stream().anyMatch(listed::contains);
                        boolean allTern = listed.containsAll(CREATED_ORDER);
                        if (!unlisted.isEmpty() || someTern && !allTern) {
                            damage.add(manifest + " is damaged (cut short?): it lists the column families "
                                    + listed + (unlisted.isEmpty() ? "" : ", not " + unlisted
                                    + " that table files hold"));
                        }
                    } catch (RocksDBException | IOException e) {
                        damage.add(manifest + " is damaged: " + e.getMessage());
                    }
                }
            }
        }
        try (Options o = options()) {
            for (Path table : files(dir, ".sst")) {
                try (SstFileReader reader = new SstFileReader(o)) {
                    reader.open(table.toString());
                    reader.verifyChecksum();
                } catch (RocksDBException e) {
                    damage.add("table file " + table.getFileName() + " is damaged: " + e.getMessage());
                }
            }
        } catch (IOException e) {
            damage.add("the store directory cannot be listed: " + e.getMessage());
        }
        return damage;
    }

    /**
     * Rebuilds the store in {@code dir} from its readable records (see the class comment) and reports what was
     * kept and lost; the caller then runs the consistency repair on the result.
     */
    static String salvage(Path dir, List<String> damage) throws StoreException {
        String nl = System.lineSeparator();
        StringBuilder report = new StringBuilder("Salvage of Tern store ").append(dir).append(nl);
        for (String d : damage) {
            report.append("  damaged: ").append(d).append(nl);
        }
        Map<String, TreeMap<Key, byte[]>> records = new LinkedHashMap<>();
        for (String cf : SALVAGED) {
            records.put(cf, new TreeMap<>());
        }
        Map<Integer, String> familyIds = new HashMap<>();
        for (int i = 0; i < CREATED_ORDER.size(); i++) {
            familyIds.put(i + 1, CREATED_ORDER.get(i));
        }
        long lost = 0;
        Map<String, Long> newestTable = new HashMap<>();
        try (Options o = options()) {
            for (Path table : byFileNumber(files(dir, ".sst"))) {
                lost += readTable(table, o, records, familyIds, newestTable, report);
            }
            List<Path> logFiles = byFileNumber(files(dir, ".log"));
            List<Long> logs = logFiles.stream().map(StoreSalvage::number).toList();
            for (Path log : logFiles) {
                long n = number(log);
                String result = WalReader.replay(log, familyIds, records,
                        id -> replayed(n, familyIds.get(id), newestTable, logs));
                report.append("  ").append(result).append(nl);
            }
        } catch (IOException e) {
            throw new StoreException("Store " + dir + " cannot be salvaged: " + e.getMessage(), e);
        }
        // only a sound MANIFEST knows every table: one cut short would answer "deleted" for the tables it lost
        boolean manifestSound = damage.stream().allMatch(d -> d.startsWith("table file "));
        long kept = checkAgainstDatabase(dir, manifestSound, records, report);
        Path fresh = dir.resolveSibling(dir.getFileName() + ".repairing");
        Path aside = dir.resolveSibling(dir.getFileName() + ".damaged-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        try {
            deleteTree(fresh);
            write(fresh, records);
            Files.move(dir, aside);
            Files.move(fresh, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RocksDBException e) {
            throw new StoreException("Store " + dir + " could not be rebuilt (" + e.getMessage() + "); the damaged"
                    + " store is unchanged" + (Files.exists(aside) ? " in " + aside : "") + ".", e);
        }
        report.append("  kept:    ").append(kept).append(" record(s)");
        for (Map.Entry<String, TreeMap<Key, byte[]>> e : records.entrySet()) {
            report.append(", ").append(e.getValue().size()).append(' ').append(e.getKey());
        }
        report.append(nl);
        report.append("  lost:    ").append(lost).append(" record(s) in damaged table blocks (reference and queue"
                + " counts are recounted from the queue entries kept)").append(nl);
        report.append("  the damaged store is kept in ").append(aside).append(" (remove it once the broker runs)")
                .append(nl);
        return report.toString();
    }

    /**
     * Whether log {@code log}'s records for {@code family} are newer than the family's newest table file. A flush
     * switches to a new log and then writes its table, whose number comes after that log's: the logs before the
     * last one numbered below the family's newest table hold what that table already has. (Without a MANIFEST,
     * which records each family's log number, this is the best guess the file numbers allow.)
     */
    private static boolean replayed(long log, String family, Map<String, Long> newestTable, List<Long> logs) {
        Long table = family == null ? null : newestTable.get(family);
        if (table == null) {
            return true;
        }
        long switched = -1;
        for (long l : logs) {
            if (l < table) {
                switched = Math.max(switched, l);
            }
        }
        return log >= switched;
    }

    /** Reads one table file's readable records into {@code records}; returns how many it could not read. */
    private static long readTable(Path table, Options o, Map<String, TreeMap<Key, byte[]>> records,
                                  Map<Integer, String> familyIds, Map<String, Long> newestTable,
                                  StringBuilder report) {
        String nl = System.lineSeparator();
        try (SstFileReader reader = new SstFileReader(o)) {
            reader.open(table.toString());
            TableProperties p = reader.getTableProperties();
            String cf = new String(p.getColumnFamilyName(), StandardCharsets.UTF_8);
            familyIds.put((int) p.getColumnFamilyId(), cf);
            newestTable.merge(cf, number(table), Math::max);
            TreeMap<Key, byte[]> into = records.get(cf);
            if (into == null) {
                return 0; // a count or marker family: recomputed
            }
            long expected = p.getNumEntries() - p.getNumDeletions() - p.getNumMergeOperands();
            TreeMap<Key, byte[]> found = new TreeMap<>();
            boolean damaged = false;
            try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true);
                 SstFileReaderIterator it = reader.newIterator(ro)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    found.put(new Key(it.key()), it.value());
                }
                try {
                    it.status();
                } catch (RocksDBException e) {
                    damaged = true;
                }
                if (damaged) {
                    Key last = found.isEmpty() ? null : found.lastKey();
                    for (it.seekToLast(); it.isValid(); it.prev()) {
                        Key k = new Key(it.key());
                        if (last != null && k.compareTo(last) <= 0) {
                            break;
                        }
                        found.put(k, it.value());
                    }
                }
            }
            into.putAll(found); // files in number order: a newer file's record wins
            long lost = damaged ? Math.max(0, expected - found.size()) : 0;
            if (damaged) {
                report.append("  table file ").append(table.getFileName()).append(" (").append(cf).append("): ")
                        .append(found.size()).append(" record(s) read, ").append(lost)
                        .append(" in its damaged block(s) lost").append(nl);
            }
            return lost;
        } catch (RocksDBException e) {
            report.append("  table file ").append(table.getFileName()).append(" cannot be read at all (")
                    .append(e.getMessage()).append("): its records are lost").append(nl);
            return 0;
        }
    }

    /**
     * Where the damaged database still opens, asks it for each salvaged key, so deletions and newer versions in
     * its healthy files count. Returns the records kept.
     */
    private static long checkAgainstDatabase(Path dir, boolean manifestSound,
                                             Map<String, TreeMap<Key, byte[]>> records, StringBuilder report) {
        long kept = 0;
        if (!manifestSound) {
            report.append("  without a sound MANIFEST the newest table file wins, then the write-ahead logs;"
                    + " records deleted before the damage may come back").append(System.lineSeparator());
            return dropDeleted(records);
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        try (UInt64AddOperator add = new UInt64AddOperator();
             ColumnFamilyOptions cfo = new ColumnFamilyOptions().setMergeOperator(add);
             DBOptions dbo = new DBOptions().setParanoidChecks(false)) {
            List<byte[]> names;
            try (Options o = new Options()) {
                names = RocksDB.listColumnFamilies(o, dir.toString());
            }
            if (names.stream().noneMatch(n -> Arrays.equals(n, RocksDB.DEFAULT_COLUMN_FAMILY))) {
                throw new RocksDBException("no readable MANIFEST");
            }
            for (byte[] n : names) {
                descriptors.add(new ColumnFamilyDescriptor(n, cfo));
            }
            try (RocksDB db = RocksDB.openReadOnly(dbo, dir.toString(), descriptors, handles)) {
                long dropped = 0;
                long unsure = 0;
                for (int i = 0; i < names.size(); i++) {
                    TreeMap<Key, byte[]> into = records.get(new String(names.get(i), StandardCharsets.UTF_8));
                    if (into == null) {
                        continue;
                    }
                    for (var it = into.entrySet().iterator(); it.hasNext(); ) {
                        var e = it.next();
                        try {
                            byte[] v = db.get(handles.get(i), e.getKey().bytes);
                            if (v == null) {
                                it.remove();
                                dropped++;
                            } else {
                                e.setValue(v);
                            }
                        } catch (RocksDBException unreadable) {
                            unsure++; // its lookup reaches the damaged block: the salvaged value stands
                        }
                    }
                }
                report.append("  the damaged database still opens: ").append(dropped).append(" salvaged record(s)"
                        + " it had deleted were left out; ").append(unsure).append(" whose lookup failed were kept"
                        + " as read from their table").append(System.lineSeparator());
            } finally {
                handles.forEach(ColumnFamilyHandle::close);
            }
        } catch (RocksDBException e) {
            report.append("  the damaged database does not open (").append(e.getMessage()).append("): newest table"
                    + " file wins, then the write-ahead logs; records deleted before the damage may come back")
                    .append(System.lineSeparator());
        }
        return dropDeleted(records);
    }

    /** Removes what a log record deleted; returns the records left. */
    private static long dropDeleted(Map<String, TreeMap<Key, byte[]>> records) {
        long kept = 0;
        for (Map.Entry<String, TreeMap<Key, byte[]>> e : records.entrySet()) {
            e.getValue().values().removeIf(v -> v == null);
            kept += e.getValue().size();
        }
        return kept;
    }

    /** Writes the records into a fresh store at {@code fresh}; the message-id reservation covers every message. */
    private static void write(Path fresh, Map<String, TreeMap<Key, byte[]>> records)
            throws RocksDBException, StoreException {
        try (RocksStore store = RocksStore.open(fresh, PersistenceSync.NONE)) {
            RocksDB db = store.db();
            Map<String, ColumnFamilyHandle> handles = Map.of(RocksStore.CF_MESSAGES, store.messages,
                    RocksStore.CF_QUEUES, store.queues, RocksStore.CF_SESSIONS, store.sessions,
                    RocksStore.CF_RETAINED, store.retained, RocksStore.CF_INBOUND, store.inbound,
                    RocksStore.CF_META, store.meta, RocksStore.CF_SENT, store.sent);
            long maxMessage = 0;
            try (WriteOptions wo = new WriteOptions()) {
                for (Map.Entry<String, TreeMap<Key, byte[]>> cf : records.entrySet()) {
                    WriteBatch batch = new WriteBatch();
                    try {
                        int n = 0;
                        for (Map.Entry<Key, byte[]> r : cf.getValue().entrySet()) {
                            if (cf.getKey().equals(RocksStore.CF_META)
                                    && Arrays.equals(r.getKey().bytes, Keys.FORMAT_VERSION)) {
                                continue; // the fresh store wrote its own
                            }
                            if (cf.getKey().equals(RocksStore.CF_MESSAGES) && r.getKey().bytes.length == 8) {
                                maxMessage = Math.max(maxMessage, Keys.readLong(r.getKey().bytes, 0));
                            }
                            batch.put(handles.get(cf.getKey()), r.getKey().bytes, r.getValue());
                            if (++n % 10_000 == 0) {
                                db.write(wo, batch);
                                batch.close();
                                batch = new WriteBatch();
                            }
                        }
                        db.write(wo, batch);
                    } finally {
                        batch.close();
                    }
                }
                maxMessage = Math.max(maxMessage, writeCounts(db, store, wo, records.get(RocksStore.CF_QUEUES)));
                byte[] reserved = db.get(store.meta, Keys.MESSAGE_ID_RESERVED);
                long have = reserved == null ? 0 : Keys.readLong(reserved, 0);
                if (have <= maxMessage) {
                    db.put(store.meta, wo, Keys.MESSAGE_ID_RESERVED, Keys.messageId(maxMessage + 1));
                }
            }
            db.flushWal(true);
        }
    }

    /** The column families that the readable table files belong to. */
    private static java.util.Set<String> tableFamilies(Path dir) throws IOException {
        java.util.Set<String> names = new java.util.TreeSet<>();
        try (Options o = options()) {
            for (Path table : files(dir, ".sst")) {
                try (SstFileReader reader = new SstFileReader(o)) {
                    reader.open(table.toString());
                    names.add(new String(reader.getTableProperties().getColumnFamilyName(), StandardCharsets.UTF_8));
                } catch (RocksDBException e) {
                    // a damaged table is reported on its own
                }
            }
        }
        return names;
    }

    /**
     * The reference count of each shared message, from the salvaged queue entries that refer to one (the stored
     * counts are merge operands spread over files, not worth salvaging; an inline entry counts nothing, and
     * queue lengths are counted at start). Entries that do not decode are left to the record repair, which drops
     * them and corrects these counts.
     *
     * @return the highest message id an entry holds, so the id reservation covers inline messages too
     */
    private static long writeCounts(RocksDB db, RocksStore store, WriteOptions wo, TreeMap<Key, byte[]> queues)
            throws RocksDBException {
        Map<Long, Long> refs = new HashMap<>();
        long max = 0;
        for (Map.Entry<Key, byte[]> e : queues.entrySet()) {
            try {
                Keys.clientOf(e.getKey().bytes, 8);
                io.tern.broker.store.QueueEntry entry = RecordFormat.entry(Keys.seqOf(e.getKey().bytes),
                        e.getValue());
                max = Math.max(max, entry.messageId());
                if (entry.message() == null) {
                    refs.merge(entry.messageId(), 1L, Long::sum);
                }
            } catch (RuntimeException ignored) { // CorruptRecordException among them
                // reported and dropped by the record repair
            }
        }
        try (WriteBatch batch = new WriteBatch()) {
            for (Map.Entry<Long, Long> r : refs.entrySet()) {
                batch.put(store.refs, Keys.messageId(r.getKey()), Keys.counter(r.getValue()));
            }
            db.write(wo, batch);
        }
        return max;
    }

    static Options options() {
        return new Options().setMergeOperator(new UInt64AddOperator());
    }

    /** Whether the directory holds RocksDB's files at all (else there is nothing to salvage). */
    static boolean looksLikeDatabase(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).anyMatch(n -> n.equals("CURRENT") || n.equals("IDENTITY")
                    || n.startsWith("MANIFEST-") || n.endsWith(".sst"));
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(suffix) && n.substring(0, n.length() - suffix.length()).chars()
                        .allMatch(Character::isDigit);
            }).toList();
        }
    }

    private static List<Path> byFileNumber(List<Path> files) {
        return files.stream().sorted((a, b) -> Long.compare(number(a), number(b))).toList();
    }

    private static long number(Path p) {
        String n = p.getFileName().toString();
        return Long.parseLong(n.substring(0, n.indexOf('.')));
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** A key ordered as RocksDB's default comparator orders it (unsigned bytes). */
    record Key(byte[] bytes) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            return Arrays.compareUnsigned(bytes, o.bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }
}
