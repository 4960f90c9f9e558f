package io.tern.store.rocksdb;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * What the store knows about the queue entries it wrote or read in this process, so the hot path needs no
 * read of RocksDB: whether an entry carries its message inline (format 3) or refers to a shared one (and which),
 * and its packet-id record ({@code sent-ids}).
 *
 * <p>With {@code persistence_sync batch} a packet-id record is held here and then written by the group commit
 * ({@link #flush}); an acknowledgement that arrives before that cancels it, so the message never writes nor
 * deletes one. A QoS 1 entry's record is held {@link #HOLD_QOS1_NANOS}: a crash before it is written resends the
 * message under a fresh packet id, which at least once allows (the receiver has it already or not; the id
 * dedupes nothing at QoS 1). A QoS 2 entry's record (or one whose QoS is not known) is held only
 * {@link #HOLD_NANOS}, the group commit's own flush interval, since a QoS 2 receiver dedupes by packet id.
 *
 * <p>With batch, a dequeued inline entry is not deleted by the caller either: {@link #flush} deletes all
 * dequeued since the last group commit in its one batch, so a PUBACK costs no RocksDB write on the event loop.
 * Until then {@link #deleting} hides it from reads. Such a delete used to wait in the WAL buffer as well; a crash
 * before it is written delivers the message again (at least once).
 *
 * <p>Entries are remembered up to {@link #LIMIT} (an offline session's backlog is not mirrored on the heap);
 * beyond that, and for entries from an earlier process not read yet, {@link #remove} says "unknown" and the
 * caller reads the entry. Packet-id records are always tracked: they belong to messages in flight, which the
 * session holds in memory anyway. Thread-safe; {@link #flush} writes under the lock so a dequeue's delete of a
 * record can never precede its put.
 */
final class LiveEntries {

    /** How long a packet-id record waits for its acknowledgement before it is written. */
    static final long HOLD_NANOS = GroupCommit.FLUSH_MILLIS * 1_000_000L;
    /** How long a QoS 1 entry's packet-id record waits: its PUBACK comes after the backlog in flight before it. */
    static final long HOLD_QOS1_NANOS = 100_000_000L;

    /** How many entries are remembered at most. */
    static final int LIMIT = 100_000;

    /** {@link #remove}: nothing known, read the entry. */
    static final int UNKNOWN = 0;
    /** {@link #remove}: the entry carries its message. */
    static final int INLINE = 1;
    /** {@link #remove}: the entry refers to shared message {@link #removedMessageId()}. */
    static final int SHARED = 2;
    /** {@link #remove} flag: a packet-id record may be in RocksDB and must be deleted with the entry. */
    static final int SENT_WRITTEN = 4;
    /** {@link #remove}: an inline entry whose delete the group commit writes (batch); nothing left to do. */
    static final int DEFERRED = 8;

    private static final byte KIND_UNKNOWN = 0;
    private static final byte KIND_INLINE = 1;
    private static final byte KIND_SHARED = 2;
    /** Dequeued, its delete waiting for the group commit: no longer read. */
    private static final byte KIND_DELETING = 3;

    private static final class State {
        byte kind;
        long messageId;
        /** Packet id to write, 0 when nothing is pending. */
        int pendingId;
        /** Whether a packet-id record may exist in RocksDB. */
        boolean written;
        /** The entry's QoS, 0 when not known. */
        byte qos;
    }

    private record Pending(String clientId, long seq, long at) {
    }

    private final boolean defer;
    private final long holdNanos;
    private final long holdQos1Nanos;
    private final Map<String, Map<Long, State>> clients = new HashMap<>();
    private int size;
    /** Packet-id records in the order they were marked: written once {@link #HOLD_NANOS} old. */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** The same for QoS 1 entries: written once {@link #HOLD_QOS1_NANOS} old. */
    private final ArrayDeque<Pending> pendingQos1 = new ArrayDeque<>();
    /** Dequeued inline entries: deleted by the next group commit, in one batch. */
    private final ArrayDeque<Pending> deletes = new ArrayDeque<>();
    /** {@link #writeAllHeldNext} was asked since the last flush. */
    private boolean writeAllHeld;
    /** Per-thread result of the last {@link #remove}: the shared message's id. */
    private static final ThreadLocal<long[]> REMOVED = ThreadLocal.withInitial(() -> new long[1]);

    /** @param defer hold packet-id records for the group commit (batch); otherwise the caller writes them */
    LiveEntries(boolean defer) {
        this(defer, HOLD_NANOS, HOLD_QOS1_NANOS);
    }

    LiveEntries(boolean defer, long holdNanos, long holdQos1Nanos) {
        this.defer = defer;
        this.holdNanos = holdNanos;
        this.holdQos1Nanos = holdQos1Nanos;
    }

    boolean defers() {
        return defer;
    }

    /** A new entry this process wrote: inline, or referring to {@code messageId}. */
    synchronized void added(String clientId, long seq, boolean inline, long messageId, int qos) {
        if (size >= LIMIT) {
            return;
        }
        State s = new State();
        s.kind = inline ? KIND_INLINE : KIND_SHARED;
        s.messageId = messageId;
        s.qos = (byte) qos;
        if (clients.computeIfAbsent(clientId, c -> new HashMap<>()).put(seq, s) == null) {
            size++;
        }
    }

    /** An entry read from RocksDB: what it is, and whether it has a packet-id record. */
    synchronized void read(String clientId, long seq, boolean inline, long messageId, int qos, boolean sent) {
        Map<Long, State> m = clients.get(clientId);
        State s = m == null ? null : m.get(seq);
        if (s == null) {
            if (size >= LIMIT) {
                return;
            }
            s = new State();
            clients.computeIfAbsent(clientId, c -> new HashMap<>()).put(seq, s);
            size++;
        } else if (s.kind == KIND_DELETING) {
            return;
        }
        s.kind = inline ? KIND_INLINE : KIND_SHARED;
        s.messageId = messageId;
        s.qos = (byte) qos;
        s.written |= sent;
    }

    /** Whether an entry was dequeued and its delete is not written yet (a read must skip it). */
    synchronized boolean deleting(String clientId, long seq) {
        Map<Long, State> m = clients.get(clientId);
        State s = m == null ? null : m.get(seq);
        return s != null && s.kind == KIND_DELETING;
    }

    /**
     * The packet id of an entry not written to RocksDB yet, which the caller now writes itself (in the batch
     * that marks the entry released: a released entry without its id could not be continued after a crash);
     * 0 when none is pending.
     */
    synchronized int takePendingId(String clientId, long seq) {
        Map<Long, State> m = clients.get(clientId);
        State s = m == null ? null : m.get(seq);
        if (s == null || s.pendingId == 0) {
            return 0;
        }
        int id = s.pendingId;
        s.pendingId = 0; // its Pending in the hold queue is skipped
        s.written = true;
        return id;
    }

    /**
     * The next {@link #flush} writes every held packet-id record, whatever its age: for
     * {@link io.tern.broker.store.Store#syncWithPacketIds}, whose caller acts on a packet id beyond this broker.
     */
    synchronized void writeAllHeldNext() {
        writeAllHeld = true;
    }

    /** The packet id of an entry not written to RocksDB yet, 0 when none is pending. */
    synchronized int pendingId(String clientId, long seq) {
        Map<Long, State> m = clients.get(clientId);
        State s = m == null ? null : m.get(seq);
        return s == null ? 0 : s.pendingId;
    }

    /**
     * Records that an entry was sent under {@code packetId}. Deferring: held for the group commit after next.
     * Otherwise the caller writes the record itself.
     */
    synchronized void sent(String clientId, long seq, int packetId) {
        Map<Long, State> m = clients.computeIfAbsent(clientId, c -> new HashMap<>());
        State s = m.get(seq);
        if (s == null) {
            s = new State();
            m.put(seq, s);
            size++;
        }
        if (defer) {
            s.pendingId = packetId;
            (s.qos == 1 ? pendingQos1 : pending).add(new Pending(clientId, seq, System.nanoTime()));
        } else {
            s.written = true;
        }
    }

    /**
     * Forgets an entry being dequeued, cancelling a pending packet-id record.
     *
     * @return {@link #DEFERRED} (batch, an inline entry: the group commit deletes it), or {@link #UNKNOWN},
     *         {@link #INLINE} or {@link #SHARED} (then {@link #removedMessageId()}), with {@link #SENT_WRITTEN}
     *         when a packet-id record may be in RocksDB: the caller deletes the entry
     */
    synchronized int remove(String clientId, long seq) {
        Map<Long, State> m = clients.get(clientId);
        State s = m == null ? null : m.get(seq);
        if (s == null) {
            return UNKNOWN | SENT_WRITTEN;
        }
        if (s.kind == KIND_DELETING) {
            return DEFERRED; // dequeued twice
        }
        if (defer && s.kind == KIND_INLINE) {
            // the group commit deletes it with the others of its interval: one write per batch, not per PUBACK
            s.kind = KIND_DELETING;
            s.pendingId = 0;
            deletes.add(new Pending(clientId, seq, 0));
            return DEFERRED;
        }
        m.remove(seq);
        size--;
        if (m.isEmpty()) {
            clients.remove(clientId);
        }
        int r = switch (s.kind) {
            case KIND_INLINE -> INLINE;
            case KIND_SHARED -> SHARED;
            default -> UNKNOWN;
        };
        REMOVED.get()[0] = s.messageId;
        // an entry never sent, or sent and acknowledged before its record was written, has none in RocksDB;
        // one whose kind is unknown came from an earlier process and may have one
        return s.written || s.kind == KIND_UNKNOWN ? r | SENT_WRITTEN : r;
    }

    /** The message id of the last {@link #remove} on this thread that returned {@link #SHARED}. */
    long removedMessageId() {
        return REMOVED.get()[0];
    }

    /** Forgets a removed session's entries and pending records (the caller deletes its ranges afterwards). */
    synchronized void removeClient(String clientId) {
        Map<Long, State> m = clients.remove(clientId);
        if (m != null) {
            size -= m.size();
        }
    }

    /**
     * Writes the packet-id records that waited their hold time ({@code all}: every pending one) and the deletes
     * of the inline entries dequeued since the last flush, in one batch, under the lock so no dequeue interleaves. Called by the group commit before it flushes the WAL, and at close.
     */
    private WriteBatch due(ArrayDeque<Pending> queue, long due, boolean all, ColumnFamilyHandle sent,
                           WriteBatch batch) throws RocksDBException {
        for (Pending p = queue.peek(); p != null && (all || p.at() - due <= 0); p = queue.peek()) {
            queue.poll();
            Map<Long, State> m = clients.get(p.clientId());
            State s = m == null ? null : m.get(p.seq());
            if (s == null || s.pendingId == 0) {
                continue; // acknowledged meanwhile, or written already
            }
            if (batch == null) {
                batch = new WriteBatch();
            }
            batch.put(sent, Keys.queueKey(Keys.clientPrefix(p.clientId()), p.seq()),
                    new byte[] {(byte) (s.pendingId >>> 8), (byte) s.pendingId});
            s.pendingId = 0;
            s.written = true;
        }
        return batch;
    }

    synchronized void flush(RocksDB db, WriteOptions wo, ColumnFamilyHandle queues, ColumnFamilyHandle sent,
                            boolean all) throws RocksDBException {
        long now = System.nanoTime();
        boolean everyHeld = all || writeAllHeld;
        writeAllHeld = false;
        WriteBatch batch = null;
        try {
            batch = due(pending, now - holdNanos, everyHeld, sent, null);
            batch = due(pendingQos1, now - holdQos1Nanos, everyHeld, sent, batch);
            for (Pending p = deletes.poll(); p != null; p = deletes.poll()) {
                Map<Long, State> m = clients.get(p.clientId());
                State s = m == null ? null : m.get(p.seq());
                if (s == null || s.kind != KIND_DELETING) {
                    continue; // its session was removed meanwhile (with its whole range)
                }
                if (batch == null) {
                    batch = new WriteBatch();
                }
                byte[] key = Keys.queueKey(Keys.clientPrefix(p.clientId()), p.seq());
                batch.delete(queues, key);
                if (s.written) {
                    batch.delete(sent, key);
                }
                m.remove(p.seq());
                size--;
                if (m.isEmpty()) {
                    clients.remove(p.clientId());
                }
            }
            if (batch != null) {
                db.write(wo, batch);
            }
        } finally {
            if (batch != null) {
                batch.close();
            }
        }
    }
}
