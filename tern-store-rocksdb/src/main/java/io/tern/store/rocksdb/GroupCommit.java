package io.tern.store.rocksdb;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * persistence_sync batch: one thread that, whenever callers are waiting, syncs the WAL once and then calls all
 * of them back. Callers arriving during an fsync wait for the next one, so under load every fsync serves a
 * whole batch of acknowledgements instead of one. Between batches it pushes the WAL's in-memory buffer to the
 * OS at least every {@link #FLUSH_MILLIS} ms ({@link WalSync#flush}), so writes nobody waits for (sessions,
 * subscriptions) are not held in the process for long. It keeps the latency of each batch's sync
 * ({@link #stats()}).
 */
final class GroupCommit {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    /** Forces everything written so far to stable storage. */
    interface WalSync {
        void sync() throws Exception;

        /** Hands buffered WAL writes to the OS without fsync; called from this thread only. */
        default void flush() throws Exception {
        }
    }

    /** How often buffered WAL writes reach the OS when no caller is waiting for a sync. */
    static final long FLUSH_MILLIS = 10;

    /**
     * What the group commit did so far.
     *
     * @param syncs          WAL fsyncs (one per batch)
     * @param callbacks      acknowledgements released by them
     * @param meanSyncMicros mean time of one batch's fsync
     * @param p99SyncMicros  99th percentile of it (upper bound of its power-of-two bucket)
     * @param maxSyncMicros  the longest
     */
    record Stats(long syncs, long callbacks, double meanSyncMicros, long p99SyncMicros, long maxSyncMicros) {
        double meanBatch() { return syncs == 0 ? 0 : (double) callbacks / syncs; }

        /** {@code sync/commits}, {@code sync/batch/mean} and {@code sync/latency_us/mean|p99|max}. */
        java.util.Map<String, String> statistics() {
            java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
            m.put("sync/commits", Long.toString(syncs()));
            m.put("sync/batch/mean", String.format(java.util.Locale.ROOT, "%.1f", meanBatch()));
            m.put("sync/latency_us/mean", String.format(java.util.Locale.ROOT, "%.0f", meanSyncMicros()));
            m.put("sync/latency_us/p99", Long.toString(p99SyncMicros()));
            m.put("sync/latency_us/max", Long.toString(maxSyncMicros()));
            return m;
        }

        /** One line: batches, mean batch, sync latency. */
        String summary() {
            return String.format(java.util.Locale.ROOT, "%d group commits, %.1f acknowledgements per commit on"
                    + " average, WAL sync per commit mean %.0f us, p99 < %d us, max %d us", syncs(), meanBatch(),
                    meanSyncMicros(), p99SyncMicros(), maxSyncMicros());
        }
    }

    private final WalSync wal;
    private final String storeName;
    private final Thread thread;
    private final Object lock = new Object();
    private List<Runnable> waiting = new ArrayList<>();
    private boolean stopping;
    private volatile Throwable failure;
    private long syncs;
    private long callbacks;
    private long syncNanos;
    private long maxSyncNanos;
    /** Batch sync times by power of two of microseconds. */
    private final long[] buckets = new long[40];

    GroupCommit(WalSync wal, String storeName) {
        this.wal = wal;
        this.storeName = storeName;
        this.thread = new Thread(this::run, "tern-store-sync");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a callback for the next fsync. */
    void add(Runnable onDurable) {
        synchronized (lock) {
            if (failure != null) {
                throw new IllegalStateException("store " + storeName + " stopped syncing after an error: "
                        + failure, failure);
            }
            if (stopping) {
                throw new IllegalStateException("store " + storeName + " is closed");
            }
            waiting.add(onDurable);
            lock.notifyAll();
        }
    }

    /** Syncs and calls back whatever is still waiting, then ends the thread. */
    void stop() {
        synchronized (lock) {
            stopping = true;
            lock.notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** fsyncs done and callbacks run so far: callbacks / syncs is the average batch. */
    long[] counts() {
        synchronized (lock) {
            return new long[] {syncs, callbacks};
        }
    }

    Stats stats() {
        synchronized (lock) {
            long p99 = 0;
            long seen = 0;
            for (int i = 0; i < buckets.length; i++) {
                seen += buckets[i];
                if (seen * 100 >= syncs * 99 && syncs > 0) {
                    p99 = 1L << i;
                    break;
                }
            }
            return new Stats(syncs, callbacks, syncs == 0 ? 0 : syncNanos / 1000.0 / syncs, p99,
                    maxSyncNanos / 1000);
        }
    }

    private void run() {
        while (true) {
            List<Runnable> batch;
            synchronized (lock) {
                if (waiting.isEmpty() && !stopping) {
                    try {
                        lock.wait(FLUSH_MILLIS);
                    } catch (InterruptedException e) {
                        // only stop() ends this thread, so that no waiter is left without its callback
                    }
                }
                if (waiting.isEmpty()) {
                    if (stopping) {
                        return;
                    }
                    batch = null;
                } else {
                    batch = waiting;
                    waiting = new ArrayList<>();
                }
            }
            if (batch == null) {
                try {
                    wal.flush();
                } catch (Throwable t) {
                    // the next sync reports (and stops on) a lasting failure
                    LOG.warn("Store {}: writing the write-ahead log failed: {}", storeName, t.toString());
                }
                continue;
            }
            long t0 = System.nanoTime();
            try {
                wal.sync();
            } catch (Throwable t) {
                // After a failed fsync the kernel may have dropped the dirty pages: nothing written since the
                // last good sync can be called durable, so no callback runs and new syncs are refused.
                LOG.error("Store {}: syncing the write-ahead log failed; {} acknowledgements withheld and the"
                        + " store refuses further syncs: {}", storeName, batch.size(), t.toString());
                synchronized (lock) {
                    failure = t;
                    waiting.clear();
                }
                return;
            }
            long took = System.nanoTime() - t0;
            synchronized (lock) {
                syncs++;
                callbacks += batch.size();
                syncNanos += took;
                maxSyncNanos = Math.max(maxSyncNanos, took);
                buckets[Math.min(buckets.length - 1, 64 - Long.numberOfLeadingZeros(Math.max(1, took / 1000)))]++;
            }
            for (Runnable r : batch) {
                try {
                    r.run();
                } catch (Throwable t) {
                    LOG.error("Store {}: a durability callback failed", storeName, t);
                }
            }
        }
    }
}
