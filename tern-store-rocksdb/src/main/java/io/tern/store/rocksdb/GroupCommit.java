package io.tern.store.rocksdb;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * persistence_sync batch: one thread that, whenever callers are waiting, syncs the WAL once and then calls all
 * of them back. Callers arriving during an fsync wait for the next one, so under load every fsync serves a
 * whole batch of acknowledgements instead of one.
 */
final class GroupCommit {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    /** Forces everything written so far to stable storage. */
    interface WalSync {
        void sync() throws Exception;
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

    private void run() {
        while (true) {
            List<Runnable> batch;
            synchronized (lock) {
                while (waiting.isEmpty() && !stopping) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        // only stop() ends this thread, so that no waiter is left without its callback
                    }
                }
                if (waiting.isEmpty()) {
                    return;
                }
                batch = waiting;
                waiting = new ArrayList<>();
            }
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
            synchronized (lock) {
                syncs++;
                callbacks += batch.size();
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
