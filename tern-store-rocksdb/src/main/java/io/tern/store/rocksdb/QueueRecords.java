package io.tern.store.rocksdb;

import io.tern.broker.store.QueueEntry;
import io.tern.broker.store.StoredMessage;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link RocksStore}'s queue entries and the message records they refer to (format 3).
 *
 * <p>A message's first entry carries it inline ({@link RecordFormat#FLAG_INLINE}): one key per message for a
 * single durable subscriber, and its dequeue one delete, with no reference count to read. A further entry of the
 * same message (fan-out to more durable sessions, on the same thread right after
 * {@link #putMessageAndEnqueue}) refers to a shared {@code messages} record, written with the second entry;
 * {@code message-refs} counts those shared references only. Entries of format 1 and 2 all refer to a shared
 * record and read as before. Queue sizes are not kept per message: {@link RocksStore#recover} counts the keys.
 * {@link LiveEntries} remembers what was written so the hot path reads nothing back.
 */
final class QueueRecords {

    /** removeSession releases a long queue in atomic chunks of this many entries. */
    private static final int REMOVE_CHUNK = 10_000;
    private static final int STRIPES = 256;
    private static final byte[] EMPTY = new byte[0];

    /** The message last stored inline on this thread, for its further entries. */
    private static final class LastInline {
        /** The store it went to: message ids of two stores in one process (tests, embedded brokers) may meet. */
        QueueRecords owner;
        long messageId;
        StoredMessage message;
        /** Whether its shared record was written (by a second entry). */
        boolean shared;
    }

    private static final ThreadLocal<LastInline> LAST = ThreadLocal.withInitial(LastInline::new);

    private final RocksStore store;
    private final RocksDB db;
    private final LiveEntries live;
    /** Serialises refcount decrements per message, so exactly one of two racing dequeues sees the last reference. */
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    QueueRecords(RocksStore store, LiveEntries live) {
        this.store = store;
        this.db = store.db();
        this.live = live;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    LiveEntries live() {
        return live;
    }

    void putMessage(long messageId, StoredMessage message) {
        byte[] value = RecordFormat.message(message);
        store.lock();
        try (WriteBatch batch = new WriteBatch()) {
            store.requireSpace("storing message " + messageId);
            batch.put(store.messages, Keys.messageId(messageId), value);
            batch.put(store.unqueued, Keys.messageId(messageId), EMPTY);
            store.writeReserving(batch, messageId);
        } catch (RocksDBException e) {
            throw store.failure("storing message " + messageId, e);
        } finally {
            store.unlock();
        }
    }

    /**
     * The message inline in its first entry: one key, one write (a batch only when a block of message ids is
     * reserved with it).
     */
    void putMessageAndEnqueue(long messageId, StoredMessage message, String clientId, QueueEntry entry) {
        byte[] key = Keys.queueKey(Keys.clientPrefix(clientId), entry.seq());
        byte[] value = RecordFormat.entry(entry, message);
        store.lock();
        try {
            store.requireSpace("storing message " + messageId + " for " + clientId);
            if (!store.reserving(messageId)) {
                db.put(store.queues, store.writeOptions(), key, value);
            } else {
                try (WriteBatch batch = new WriteBatch()) {
                    batch.put(store.queues, key, value);
                    store.writeReserving(batch, messageId);
                }
            }
            LastInline last = LAST.get();
            last.owner = this;
            last.messageId = messageId;
            last.message = message;
            last.shared = false;
            live.added(clientId, entry.seq(), true, messageId, entry.qos());
        } catch (RocksDBException e) {
            throw store.failure("storing message " + messageId + " for " + clientId, e);
        } finally {
            store.unlock();
        }
    }

    /**
     * A further entry of a stored message: of the message last stored inline on this thread (its shared record
     * is written with the first such entry), or of one stored with {@link #putMessage}.
     */
    void enqueue(String clientId, QueueEntry entry) {
        byte[] key = Keys.queueKey(Keys.clientPrefix(clientId), entry.seq());
        byte[] value = RecordFormat.entry(entry);
        byte[] id = Keys.messageId(entry.messageId());
        LastInline last = LAST.get();
        boolean firstShared = last.owner == this && last.message != null && last.messageId == entry.messageId()
                && !last.shared;
        store.lock();
        try (WriteBatch batch = new WriteBatch()) {
            store.requireSpace("enqueueing for " + clientId);
            batch.put(store.queues, key, value);
            if (firstShared) {
                batch.put(store.messages, id, RecordFormat.message(last.message));
                batch.put(store.refs, id, Keys.counter(1));
            } else {
                batch.merge(store.refs, id, Keys.counter(1));
                batch.delete(store.unqueued, id);
            }
            db.write(store.writeOptions(), batch);
            if (firstShared) {
                last.shared = true;
            }
            live.added(clientId, entry.seq(), false, entry.messageId(), entry.qos());
        } catch (RocksDBException e) {
            throw store.failure("enqueueing for " + clientId, e);
        } finally {
            store.unlock();
        }
    }

    /**
     * The packet id a QoS 1/2 send used, under the entry's key in {@code sent-ids}: held for the group commit
     * with batch ({@link LiveEntries}), otherwise one blind write; the entry itself is not read back.
     */
    void markSent(String clientId, long seq, int packetId) {
        store.lock();
        try {
            if (!live.defers()) {
                store.requireSpace("storing packet id of queue entry " + seq);
                db.put(store.sent, store.writeOptions(), Keys.queueKey(Keys.clientPrefix(clientId), seq),
                        new byte[] {(byte) (packetId >>> 8), (byte) packetId});
            }
            live.sent(clientId, seq, packetId);
        } catch (RocksDBException e) {
            throw store.failure("storing packet id of queue entry " + seq, e);
        } finally {
            store.unlock();
        }
    }

    void markReleased(String clientId, long seq) {
        byte[] key = Keys.queueKey(Keys.clientPrefix(clientId), seq);
        store.lock();
        try {
            byte[] value = db.get(store.queues, key);
            if (value == null) {
                return;
            }
            RecordFormat.entryMessageId(value); // length check before patching fixed offsets
            value[RecordFormat.ENTRY_FLAGS] |= RecordFormat.FLAG_RELEASED;
            int heldId = live.takePendingId(clientId, seq);
            if (heldId == 0) {
                db.put(store.queues, store.writeOptions(), key, value);
            } else {
                // its packet-id record was still held: released and the id it goes on with, in one write
                try (WriteBatch b = new WriteBatch()) {
                    b.put(store.queues, key, value);
                    b.put(store.sent, key, new byte[] {(byte) (heldId >>> 8), (byte) heldId});
                    db.write(store.writeOptions(), b);
                }
            }
        } catch (RocksDBException e) {
            throw store.failure("updating queue entry " + seq + " of " + clientId, e);
        } finally {
            store.unlock();
        }
    }

    /**
     * Removes an entry, with its packet-id record when one may have been written, and its reference to a shared
     * message. An entry this process wrote or read is not read back.
     */
    void dequeue(String clientId, long seq) {
        byte[] key = Keys.queueKey(Keys.clientPrefix(clientId), seq);
        store.lock();
        try {
            int known = live.remove(clientId, seq);
            if (known == LiveEntries.DEFERRED) {
                return;
            }
            boolean sentWritten = (known & LiveEntries.SENT_WRITTEN) != 0;
            int kind = known & ~LiveEntries.SENT_WRITTEN;
            long messageId;
            if (kind == LiveEntries.SHARED) {
                messageId = live.removedMessageId();
            } else if (kind == LiveEntries.INLINE) {
                messageId = 0;
            } else {
                byte[] value = db.get(store.queues, key);
                if (value == null) {
                    return;
                }
                messageId = RecordFormat.entryInline(value) ? 0 : RecordFormat.entryMessageId(value);
            }
            if (messageId == 0) {
                if (!sentWritten) {
                    db.delete(store.queues, store.writeOptions(), key);
                    return;
                }
                try (WriteBatch batch = new WriteBatch()) {
                    batch.delete(store.queues, key);
                    batch.delete(store.sent, key);
                    db.write(store.writeOptions(), batch);
                }
                return;
            }
            ReentrantLock stripe = stripes[stripe(messageId)];
            stripe.lock();
            try (WriteBatch batch = new WriteBatch()) {
                batch.delete(store.queues, key);
                if (sentWritten) {
                    batch.delete(store.sent, key);
                }
                release(batch, messageId, 1);
                db.write(store.writeOptions(), batch);
            } finally {
                stripe.unlock();
            }
        } catch (RocksDBException e) {
            throw store.failure("dequeueing entry " + seq + " of " + clientId, e);
        } finally {
            store.unlock();
        }
    }

    /** Drops {@code n} references to a shared message, deleting it with the last; the caller holds its stripe. */
    private void release(WriteBatch batch, long messageId, long n) throws RocksDBException {
        byte[] id = Keys.messageId(messageId);
        long count = Keys.counter(db.get(store.refs, id));
        if (count <= n) {
            batch.delete(store.messages, id);
            batch.delete(store.refs, id);
        } else {
            batch.merge(store.refs, id, Keys.counter(-n));
        }
    }

    List<QueueEntry> readQueue(String clientId, long afterSeq, int max) {
        if (max <= 0 || afterSeq == Long.MAX_VALUE) {
            return List.of();
        }
        byte[] prefix = Keys.clientPrefix(clientId);
        List<QueueEntry> out = new ArrayList<>(Math.min(max, 1024));
        store.lock();
        try (Slice upper = new Slice(Keys.clientEnd(prefix));
             ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
             RocksIterator it = db.newIterator(store.queues, ro)) {
            for (it.seek(Keys.queueKey(prefix, afterSeq + 1)); it.isValid() && out.size() < max; it.next()) {
                byte[] k = it.key();
                long seq = Keys.seqOf(k);
                if (live.deleting(clientId, seq)) {
                    continue; // dequeued; the group commit deletes it
                }
                QueueEntry e = RecordFormat.entry(seq, it.value());
                byte[] id = db.get(store.sent, k);
                boolean written = id != null && id.length == 2;
                int pending = live.pendingId(clientId, e.seq());
                if (pending != 0) {
                    e = e.withPacketId(pending);
                } else if (written) {
                    e = e.withPacketId((id[0] & 0xFF) << 8 | (id[1] & 0xFF));
                }
                live.read(clientId, e.seq(), e.message() != null, e.messageId(), e.qos(), written);
                out.add(e);
            }
            it.status();
            return out;
        } catch (RocksDBException e) {
            throw store.failure("reading the queue of " + clientId, e);
        } catch (CorruptRecordException e) {
            throw store.damaged("the queue of " + clientId, e);
        } finally {
            store.unlock();
        }
    }

    StoredMessage message(long messageId) {
        store.lock();
        try {
            byte[] v = db.get(store.messages, Keys.messageId(messageId));
            return v == null ? null : RecordFormat.message(v);
        } catch (RocksDBException e) {
            throw store.failure("reading message " + messageId, e);
        } catch (CorruptRecordException e) {
            throw store.damaged("message " + messageId, e);
        } finally {
            store.unlock();
        }
    }

    /**
     * Deletes a client's queue and packet-id records in atomic chunks, releasing shared messages: a crash
     * part-way leaves a shorter but consistent queue, never a reference count that is off.
     */
    void removeQueue(String clientId, byte[] prefix, byte[] end) throws RocksDBException {
        live.removeClient(clientId);
        try (Slice upper = new Slice(end);
             ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
             RocksIterator it = db.newIterator(store.queues, ro)) {
            it.seek(prefix);
            while (it.isValid()) {
                byte[] first = it.key();
                byte[] last = first;
                TreeMap<Long, Long> released = new TreeMap<>();
                int n = 0;
                while (it.isValid() && n < REMOVE_CHUNK) {
                    last = it.key();
                    byte[] v = it.value();
                    if (!RecordFormat.entryInline(v)) {
                        released.merge(RecordFormat.entryMessageId(v), 1L, Long::sum);
                    }
                    n++;
                    it.next();
                }
                releaseChunk(first, last, released);
            }
            it.status();
        }
    }

    private void releaseChunk(byte[] first, byte[] last, TreeMap<Long, Long> released) throws RocksDBException {
        // Stripes locked in ascending order, so two chunks never wait on each other in a cycle.
        int[] order = released.keySet().stream().mapToInt(QueueRecords::stripe).distinct().sorted().toArray();
        for (int s : order) {
            stripes[s].lock();
        }
        try (WriteBatch batch = new WriteBatch()) {
            batch.deleteRange(store.queues, first, Arrays.copyOf(last, last.length + 1));
            batch.deleteRange(store.sent, first, Arrays.copyOf(last, last.length + 1));
            for (Map.Entry<Long, Long> e : released.entrySet()) {
                release(batch, e.getKey(), e.getValue());
            }
            db.write(store.writeOptions(), batch);
        } finally {
            for (int s : order) {
                stripes[s].unlock();
            }
        }
    }

    private static int stripe(long messageId) {
        return (int) ((messageId ^ (messageId >>> 32)) * 0x9E3779B1L >>> 24) & (STRIPES - 1);
    }
}
