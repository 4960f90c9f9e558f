package io.tern.store.rocksdb;

import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * The group commit's hold on RocksDB's write-ahead log: one fsync covering every write so far, and handing
 * buffered writes to the OS (skipped when nothing was written since). Called from the sync thread only.
 */
final class RocksWal implements GroupCommit.WalSync {

    private final RocksDB db;
    /** The last sequence number handed to the OS, so an idle store skips the flush. */
    private long flushedSeq = -1;

    RocksWal(RocksDB db) {
        this.db = db;
    }

    /** One fsync of the write-ahead log covering every write made so far (FlushWAL with sync = SyncWAL). */
    @Override
    public void sync() throws RocksDBException {
        db.flushWal(true);
        flushedSeq = db.getLatestSequenceNumber();
    }

    /** Hands the WAL's buffered writes to the OS (no fsync) when there are any. */
    @Override
    public void flush() throws RocksDBException {
        long seq = db.getLatestSequenceNumber();
        if (seq != flushedSeq) {
            db.flushWal(false);
            flushedSeq = seq;
        }
    }
}
