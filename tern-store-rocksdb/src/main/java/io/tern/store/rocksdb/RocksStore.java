package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.QueueEntry;
import io.tern.broker.store.Recovered;
import io.tern.broker.store.Store;
import io.tern.broker.store.StoreException;
import io.tern.broker.store.StoredMessage;
import io.tern.broker.store.StoredSession;
import org.rocksdb.AbstractNativeReference;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The durable {@link Store} on RocksDB ({@code persistence true}). One RocksDB database per directory, with a
 * column family per record kind: {@code queues} (client id + sequence to entry, iterated in order; since format
 * 3 a message's first entry carries the message inline, see {@link QueueRecords}), {@code messages} (id to body,
 * for messages shared by further entries or stored with {@link #putMessage}), {@code message-refs} (id to the
 * number of entries referring to a shared message, kept with RocksDB's UInt64AddOperator merges),
 * {@code sent-ids} (queue key to the packet id it was sent with), {@code sessions}, {@code retained},
 * {@code inbound-qos2}, {@code meta} (format version, message-id reservation), {@code unqueued-messages} (ids
 * stored but not yet queued: a crash between {@link #putMessage} and the first {@link #enqueue} would otherwise
 * leak the message; opening deletes them) and {@code queue-counts} (format 1 and 2 only: deleted at open, as
 * {@link #recover} counts the entries).
 *
 * <p>Writes go to the write-ahead log without fsync; {@link #sync(Runnable)} makes them durable according to the
 * {@link PersistenceSync} policy. Runtime failures of RocksDB surface as {@link IllegalStateException}s naming
 * the store directory.
 */
public final class RocksStore implements Store {

    private static final Logger LOG = LoggerFactory.getLogger(RocksStore.class);

    static final String CF_MESSAGES = "messages";
    static final String CF_REFS = "message-refs";
    static final String CF_QUEUES = "queues";
    static final String CF_QUEUE_COUNTS = "queue-counts";
    static final String CF_SESSIONS = "sessions";
    static final String CF_RETAINED = "retained";
    static final String CF_INBOUND = "inbound-qos2";
    static final String CF_META = "meta";
    static final String CF_UNQUEUED = "unqueued-messages";
    /** Queue key to the packet id the entry was last sent with: written blind, without reading the entry back. */
    static final String CF_SENT = "sent-ids";
    private static final List<String> FAMILIES = List.of(CF_MESSAGES, CF_REFS, CF_QUEUES, CF_QUEUE_COUNTS,
            CF_SESSIONS, CF_RETAINED, CF_INBOUND, CF_META, CF_UNQUEUED, CF_SENT);

    /** Message ids are reserved in blocks so the reservation is written once per block, not per message. */
    private static final long ID_RESERVATION_BLOCK = 4096;
    private static final byte[] EMPTY = new byte[0];

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final PersistenceSync policy;
    private final RocksDB db;
    private final List<AbstractNativeReference> resources;
    private final List<ColumnFamilyHandle> handles;
    final ColumnFamilyHandle messages;
    final ColumnFamilyHandle refs;
    final ColumnFamilyHandle queues;
    final ColumnFamilyHandle queueCounts;
    final ColumnFamilyHandle sessions;
    final ColumnFamilyHandle retained;
    final ColumnFamilyHandle inbound;
    final ColumnFamilyHandle meta;
    final ColumnFamilyHandle unqueued;
    final ColumnFamilyHandle sent;
    private final WriteOptions writeOptions;
    private final GroupCommit groupCommit;
    private final FreeSpaceGuard space;
    /** Readers are operations, the writer is close(): a closed RocksDB handle must never be touched (it crashes). */
    private final ReentrantReadWriteLock life = new ReentrantReadWriteLock();
    private boolean closed;
    private final Object reservationLock = new Object();
    private volatile long reservedMessageId;
    private final QueueRecords queueRecords;

    private RocksStore(Path dir, PersistenceSync policy, RocksDB db, List<ColumnFamilyHandle> handles,
                       List<AbstractNativeReference> resources) {
        this.dir = dir;
        this.policy = policy;
        this.db = db;
        this.handles = handles;
        this.resources = resources;
        this.messages = handles.get(1 + FAMILIES.indexOf(CF_MESSAGES));
        this.refs = handles.get(1 + FAMILIES.indexOf(CF_REFS));
        this.queues = handles.get(1 + FAMILIES.indexOf(CF_QUEUES));
        this.queueCounts = handles.get(1 + FAMILIES.indexOf(CF_QUEUE_COUNTS));
        this.sessions = handles.get(1 + FAMILIES.indexOf(CF_SESSIONS));
        this.retained = handles.get(1 + FAMILIES.indexOf(CF_RETAINED));
        this.inbound = handles.get(1 + FAMILIES.indexOf(CF_INBOUND));
        this.meta = handles.get(1 + FAMILIES.indexOf(CF_META));
        this.unqueued = handles.get(1 + FAMILIES.indexOf(CF_UNQUEUED));
        this.sent = handles.get(1 + FAMILIES.indexOf(CF_SENT));
        this.space = new FreeSpaceGuard(dir);
        this.writeOptions = new WriteOptions().setSync(policy == PersistenceSync.ALWAYS);
        LiveEntries live = new LiveEntries(policy == PersistenceSync.BATCH);
        this.queueRecords = new QueueRecords(this, live);
        this.groupCommit = policy == PersistenceSync.BATCH
                ? new GroupCommit(new RocksWal(db, live, queues, sent, writeOptions), dir.toString()) : null;
    }

    /**
     * Opens (creating when absent or empty) the store in {@code dir}.
     *
     * @param dir    the store directory ({@code persistence_location}); created when missing
     * @param policy when {@link #sync} calls back: ALWAYS fsyncs every write, BATCH groups concurrent syncs into
     *               one fsync, NONE never fsyncs (a process crash loses nothing, a power loss may)
     * @return the open store; close it to release its lock
     * @throws StoreException when the directory is not a Tern store, was written by another format version, is
     *                        corrupted, unreadable or locked by another process; the message names the directory
     *                        and what the operator can do
     */
    public static RocksStore open(Path dir, PersistenceSync policy) throws StoreException {
        return open(dir, policy, false);
    }

    /**
     * Checks a store that no broker is using: counts, and whether every queue entry's message exists and every
     * reference count is right. Opening replays the write-ahead log and deletes messages an interrupted publish
     * left unqueued, as every open does; the check itself changes nothing.
     *
     * @return a multi-line report; its last line starts with {@code OK} or {@code PROBLEMS}
     * @throws StoreException when the store cannot be opened (the message says why)
     */
    public static String check(Path dir) throws StoreException {
        return StoreCheck.check(dir);
    }

    /**
     * Repairs a store as far as possible: opens it skipping corrupted write-ahead-log records, drops records
     * that do not decode, queue entries whose message is gone and messages nothing refers to, and recomputes
     * reference and queue counts. What was dropped is reported, never silently.
     *
     * @return a report of what was changed followed by a {@link #check} report
     * @throws StoreException when even a lenient open fails (the message says what is left to do)
     */
    public static String repair(Path dir) throws StoreException {
        return StoreCheck.repair(dir);
    }

    static RocksStore open(Path dir, PersistenceSync policy, boolean lenient) throws StoreException {
        return open(dir, policy, lenient, policy == PersistenceSync.BATCH);
    }

    /**
     * @param manualWalFlush keep WAL writes in RocksDB's buffer until the group commit flushes and syncs them:
     *                       a publisher's write is then a memory copy, not a write(2) per batch (BATCH only:
     *                       its acknowledgements wait for the sync anyway)
     */
    static RocksStore open(Path dir, PersistenceSync policy, boolean lenient, boolean manualWalFlush)
            throws StoreException {
        Path path = dir.toAbsolutePath().normalize();
        boolean fresh = StoreValidation.prepareDirectory(path);
        List<AbstractNativeReference> resources = new ArrayList<>();
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db = null;
        try {
            List<ColumnFamilyDescriptor> descriptors = RocksTuning.descriptors(FAMILIES, resources);
            DBOptions options = RocksTuning.options(resources, lenient, manualWalFlush);
            if (!fresh) {
                try {
                    StoreValidation.requireTernFamilies(path);
                } catch (StoreException e) {
                    RocksTuning.closeAll(resources);
                    throw e;
                }
            }
            db = RocksDB.open(options, path.toString(), descriptors, handles);
            RocksStore store = new RocksStore(path, policy, db, handles, resources);
            try {
                store.reservedMessageId = StoreValidation.checkFormat(db, store.meta, handles, path, fresh);
                store.sweepUnqueued();
                store.dropQueueCounts();
            } catch (StoreException | RuntimeException e) {
                store.close();
                throw e;
            }
            return store;
        } catch (RocksDBException e) {
            for (ColumnFamilyHandle h : handles) {
                h.close();
            }
            if (db != null) {
                db.close();
            }
            RocksTuning.closeAll(resources);
            throw new StoreException(StoreValidation.describe(path, e), e);
        }
    }

    /**
     * Deletes messages stored but never queued: the broker crashed between storing a message and queueing it
     * (or queued it nowhere). Runs at open, before any caller can write, so no publish is in flight.
     */
    private void sweepUnqueued() throws RocksDBException {
        long n = 0;
        try (WriteBatch batch = new WriteBatch(); RocksIterator it = db.newIterator(unqueued)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] id = it.key();
                if (db.get(refs, id) == null) {
                    batch.delete(messages, id);
                    n++;
                }
                batch.delete(unqueued, id);
            }
            it.status();
            if (batch.count() > 0) {
                db.write(writeOptions, batch);
            }
        }
        if (n > 0) {
            LOG.info("Store {}: deleted {} message(s) stored but never queued (left by an interrupted publish)",
                    dir, n);
        }
    }

    /**
     * Format 3 counts queue entries at start ({@link #recover}) instead of merging a count per message: the
     * {@code queue-counts} records an older store has are deleted (the family stays, as RocksDB needs every
     * family opened).
     */
    private void dropQueueCounts() throws RocksDBException {
        try (RocksIterator it = db.newIterator(queueCounts)) {
            it.seekToFirst();
            if (!it.isValid()) {
                it.status();
                return;
            }
            byte[] first = it.key();
            it.seekToLast();
            byte[] last = it.key();
            try (WriteBatch batch = new WriteBatch()) {
                batch.deleteRange(queueCounts, first, Arrays.copyOf(last, last.length + 1));
                db.write(writeOptions, batch);
            }
        }
    }

    // ---------------------------------------------------------------- Store

    @Override
    public Recovered recover() throws StoreException {
        life.readLock().lock();
        try {
            ensureOpen();
            List<StoredSession> sessionList = new ArrayList<>();
            try (RocksIterator it = db.newIterator(sessions)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    sessionList.add(RecordFormat.session(Keys.string(it.key()), it.value()));
                }
                it.status();
            }
            Map<String, Long> counts = new HashMap<>();
            Map<String, Long> lastSeq = new HashMap<>();
            countQueues(counts, lastSeq);
            Map<String, Set<Integer>> inboundIds = new HashMap<>();
            try (RocksIterator it = db.newIterator(inbound)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] k = it.key();
                    inboundIds.computeIfAbsent(Keys.clientOf(k, 2), c -> new HashSet<>()).add(Keys.packetIdOf(k));
                }
                it.status();
            }
            List<StoredMessage> retainedList = new ArrayList<>();
            try (RocksIterator it = db.newIterator(retained)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    retainedList.add(RecordFormat.message(it.value()));
                }
                it.status();
            }
            long next = Math.max(1, reservedMessageId);
            try (RocksIterator it = db.newIterator(messages)) {
                it.seekToLast();
                if (it.isValid()) {
                    next = Math.max(next, Keys.messageId(it.key()) + 1);
                }
                it.status();
            }
            return new Recovered(List.copyOf(sessionList), counts, lastSeq, inboundIds, List.copyOf(retainedList),
                    next);
        } catch (RocksDBException e) {
            throw new StoreException(StoreValidation.describe(dir, e), e);
        } catch (CorruptRecordException e) {
            throw new StoreException("Store " + dir + " holds a record that does not decode (" + e.getMessage()
                    + "). Run `tern --check-store " + dir + "` for a report and `tern --repair-store " + dir
                    + "` to drop damaged records, or remove the directory to start empty, losing stored messages.",
                    e);
        } finally {
            life.readLock().unlock();
        }
    }

    /**
     * Entries and last sequence number per client, from the keys of {@code queues} (one pass; a client's keys
     * are contiguous, so its id is decoded once).
     */
    private void countQueues(Map<String, Long> counts, Map<String, Long> lastSeq) {
        try (RocksIterator q = db.newIterator(queues)) {
            byte[] prefix = null;
            String client = null;
            long n = 0;
            long last = 0;
            for (q.seekToFirst(); q.isValid(); q.next()) {
                byte[] k = q.key();
                if (prefix == null || k.length != prefix.length + 8 || !Keys.startsWith(k, prefix)) {
                    if (client != null) {
                        counts.put(client, n);
                        lastSeq.put(client, last);
                    }
                    client = Keys.clientOf(k, 8);
                    prefix = Arrays.copyOf(k, k.length - 8);
                    n = 0;
                }
                n++;
                last = Keys.seqOf(k);
            }
            if (client != null) {
                counts.put(client, n);
                lastSeq.put(client, last);
            }
            q.status();
        } catch (RocksDBException e) {
            throw failure("counting the queues", e);
        }
    }

    @Override
    public void putMessage(long messageId, StoredMessage message) {
        queueRecords.putMessage(messageId, message);
    }

    /** The message inline in its first queue entry: one key, one write ({@link QueueRecords}). */
    @Override
    public void putMessageAndEnqueue(long messageId, StoredMessage message, String clientId, QueueEntry entry) {
        queueRecords.putMessageAndEnqueue(messageId, message, clientId, entry);
    }

    @Override
    public void enqueue(String clientId, QueueEntry entry) {
        queueRecords.enqueue(clientId, entry);
    }

    @Override
    public void markSent(String clientId, long seq, int packetId) {
        queueRecords.markSent(clientId, seq, packetId);
    }

    @Override
    public void markReleased(String clientId, long seq) {
        queueRecords.markReleased(clientId, seq);
    }

    @Override
    public void dequeue(String clientId, long seq) {
        queueRecords.dequeue(clientId, seq);
    }

    @Override
    public List<QueueEntry> readQueue(String clientId, long afterSeq, int max) {
        return queueRecords.readQueue(clientId, afterSeq, max);
    }

    @Override
    public StoredMessage message(long messageId) {
        return queueRecords.message(messageId);
    }

    @Override
    public void addInboundQos2(String clientId, int packetId) {
        put(inbound, Keys.inboundKey(Keys.clientPrefix(clientId), packetId), EMPTY, "inbound QoS 2 id");
    }

    @Override
    public void removeInboundQos2(String clientId, int packetId) {
        delete(inbound, Keys.inboundKey(Keys.clientPrefix(clientId), packetId), "inbound QoS 2 id");
    }

    @Override
    public void putSession(StoredSession session) {
        put(sessions, Keys.utf8(session.clientId()), RecordFormat.session(session), "session");
    }

    @Override
    public void removeSession(String clientId) {
        byte[] prefix = Keys.clientPrefix(clientId);
        byte[] end = Keys.clientEnd(prefix);
        lock();
        try {
            queueRecords.removeQueue(clientId, prefix, end);
            try (WriteBatch batch = new WriteBatch()) {
                batch.delete(sessions, Keys.utf8(clientId));
                batch.deleteRange(inbound, prefix, end);
                batch.deleteRange(sent, prefix, end);
                db.write(writeOptions, batch);
            }
        } catch (RocksDBException e) {
            throw failure("removing session " + clientId, e);
        } finally {
            unlock();
        }
    }

    @Override
    public void putRetained(StoredMessage message) {
        put(retained, Keys.utf8(message.topic()), RecordFormat.message(message), "retained message");
    }

    @Override
    public void removeRetained(String topic) {
        delete(retained, Keys.utf8(topic), "retained message");
    }

    private static final byte[] COUNTERS_KEY = "counters".getBytes(StandardCharsets.US_ASCII);

    @Override
    public void putCounters(java.util.Map<String, Long> counters) {
        StringBuilder sb = new StringBuilder();
        for (java.util.Map.Entry<String, Long> e : counters.entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        put(meta, COUNTERS_KEY, sb.toString().getBytes(StandardCharsets.UTF_8), "counters");
    }

    @Override
    public java.util.Map<String, Long> counters() {
        java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
        try {
            byte[] v = db.get(meta, COUNTERS_KEY);
            if (v != null) {
                for (String line : new String(v, StandardCharsets.UTF_8).split("\n")) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        out.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
                    }
                }
            }
        } catch (org.rocksdb.RocksDBException | NumberFormatException e) {
            throw new IllegalStateException("store " + dir + ": cannot read the stored counters: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>With BATCH the callback runs on the store's sync thread after the next shared WAL fsync; with ALWAYS
     * (every write already synced) and NONE it runs on the calling thread before this method returns.
     *
     * @throws IllegalStateException when the store is closed or an earlier fsync failed
     */
    @Override
    public void syncWithPacketIds(Runnable onDurable) {
        queueRecords.live().writeAllHeldNext();
        sync(onDurable);
    }

    @Override
    public void sync(Runnable onDurable) {
        life.readLock().lock();
        try {
            ensureOpen();
            if (groupCommit != null) {
                groupCommit.add(onDurable);
                return;
            }
        } finally {
            life.readLock().unlock();
        }
        onDurable.run();
    }

    /**
     * Stops the sync thread (calling back everything waiting after a last fsync), flushes memtables so the
     * next start replays no log, and closes RocksDB, releasing its lock. Idempotent.
     */
    @Override
    public void close() {
        life.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            life.writeLock().unlock();
        }
        if (groupCommit != null) {
            groupCommit.stop();
            LOG.info("Store {}: {}", dir, groupCommitSummary());
        }
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            queueRecords.live().flush(db, writeOptions, queues, sent, true);
            db.flushWal(true);
            db.flush(flush, handles.subList(1, handles.size()));
        } catch (RocksDBException e) {
            LOG.warn("Store {}: flushing on close failed ({}); the write-ahead log will be replayed at next start",
                    dir, e.getMessage());
        }
        for (ColumnFamilyHandle h : handles) {
            h.close();
        }
        try {
            db.closeE();
        } catch (RocksDBException e) {
            LOG.warn("Store {}: closing RocksDB reported: {}", dir, e.getMessage());
        }
        writeOptions.close();
        RocksTuning.closeAll(resources);
    }

    /** The store directory. */
    public Path directory() {
        return dir;
    }

    /** The sync policy it was opened with. */
    public PersistenceSync policy() {
        return policy;
    }

    /** BATCH only: {fsyncs, callbacks} so far (their ratio is the group-commit batch size); zeros otherwise. */
    public long[] groupCommitCounts() {
        return groupCommit == null ? new long[2] : groupCommit.counts();
    }

    /**
     * BATCH: the group commit's {@code sync/commits}, {@code sync/batch/mean} (acknowledgements per WAL fsync)
     * and {@code sync/latency_us/mean|p99|max} (one batch's fsync), for {@code $SYS/broker/store/...}.
     */
    @Override
    public java.util.Map<String, String> statistics() {
        if (groupCommit == null) {
            return java.util.Map.of();
        }
        return groupCommit.stats().statistics();
    }

    /** BATCH only: one line on the group commit so far (batches, mean batch, sync latency); null otherwise. */
    public String groupCommitSummary() {
        if (groupCommit == null) {
            return null;
        }
        return groupCommit.stats().summary();
    }

    // ---------------------------------------------------------------- internals

    RocksDB db() {
        return db;
    }

    /** Takes the life lock for an operation; fails when the store is closed. Pair with {@link #unlock}. */
    void lock() {
        life.readLock().lock();
        if (closed) {
            life.readLock().unlock();
            throw new IllegalStateException("store " + dir + " is closed");
        }
    }

    void unlock() {
        life.readLock().unlock();
    }

    void requireSpace(String what) {
        space.requireSpace(what);
    }

    WriteOptions writeOptions() {
        return writeOptions;
    }

    /** Whether storing message {@code messageId} reserves the next block of ids ({@link #writeReserving}). */
    boolean reserving(long messageId) {
        return messageId >= reservedMessageId;
    }

    /** Writes a batch that stores message {@code messageId}, reserving the next block of ids when it reaches it. */
    void writeReserving(WriteBatch batch, long messageId) throws RocksDBException {
        if (messageId >= reservedMessageId) {
            // Under the lock, so a smaller reservation never overwrites a larger one.
            synchronized (reservationLock) {
                if (messageId >= reservedMessageId) {
                    reservedMessageId = messageId + 1 + ID_RESERVATION_BLOCK;
                    batch.put(meta, Keys.MESSAGE_ID_RESERVED, Keys.messageId(reservedMessageId));
                    db.write(writeOptions, batch);
                    return;
                }
            }
        }
        db.write(writeOptions, batch);
    }

    private void put(ColumnFamilyHandle cf, byte[] key, byte[] value, String what) {
        life.readLock().lock();
        try {
            ensureOpen();
            space.requireSpace("storing " + what);
            db.put(cf, writeOptions, key, value);
        } catch (RocksDBException e) {
            throw failure("storing " + what, e);
        } finally {
            life.readLock().unlock();
        }
    }

    private void delete(ColumnFamilyHandle cf, byte[] key, String what) {
        life.readLock().lock();
        try {
            ensureOpen();
            db.delete(cf, writeOptions, key);
        } catch (RocksDBException e) {
            throw failure("deleting " + what, e);
        } finally {
            life.readLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("store " + dir + " is closed");
        }
    }

    IllegalStateException failure(String what, RocksDBException e) {
        return new io.tern.broker.store.StoreWriteException("Store " + dir + ": " + what + " failed: "
                + e.getMessage(), e);
    }


    IllegalStateException damaged(String what, CorruptRecordException e) {
        return new IllegalStateException("Store " + dir + ": " + what + " does not decode (" + e.getMessage()
                + "). Stop the broker and run `tern --check-store " + dir + "`.", e);
    }
}
