package io.tern.store.rocksdb;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * The group commit's hold on RocksDB's write-ahead log: one fsync covering every write so far, and handing
 * buffered writes to the OS (skipped when nothing was written since). Before either it writes the packet-id
 * records that waited their hold time and the deletes of dequeued entries ({@link LiveEntries#flush}). Called from the sync thread only.
 */
final class RocksWal implements GroupCommit.WalSync {

    private final RocksDB db;
    private final LiveEntries live;
    private final ColumnFamilyHandle queues;
    private final ColumnFamilyHandle sent;
    private final WriteOptions writeOptions;
    /** The last sequence number handed to the OS, so an idle store skips the flush. */
    private long flushedSeq = -1;

    RocksWal(RocksDB db) {
        this(db, null, null, null, null);
    }

    RocksWal(RocksDB db, LiveEntries live, ColumnFamilyHandle queues, ColumnFamilyHandle sent,
             WriteOptions writeOptions) {
        this.db = db;
        this.live = live;
        this.queues = queues;
        this.sent = sent;
        this.writeOptions = writeOptions;
    }

    /** One fsync of the write-ahead log covering every write made so far (FlushWAL with sync = SyncWAL). */
    @Override
    public void sync() throws RocksDBException {
        writePending();
        db.flushWal(true);
        flushedSeq = db.getLatestSequenceNumber();
    }

    /** Hands the WAL's buffered writes to the OS (no fsync) when there are any. */
    @Override
    public void flush() throws RocksDBException {
        writePending();
        long seq = db.getLatestSequenceNumber();
        if (seq != flushedSeq) {
            db.flushWal(false);
            flushedSeq = seq;
        }
    }

    private void writePending() throws RocksDBException {
        if (live != null) {
            live.flush(db, writeOptions, queues, sent, false);
        }
    }
}
