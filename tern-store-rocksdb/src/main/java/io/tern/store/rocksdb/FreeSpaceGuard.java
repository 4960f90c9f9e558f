package io.tern.store.rocksdb;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Refuses writes that add data while less than {@link #RESERVE_BYTES} is free on the store's filesystem, looking
 * at the free space at most every 10 ms, and logs once when space runs low and once when it returns. RocksDB
 * that runs out of space in its write-ahead log refuses every write until it is reopened; stopping short of that
 * keeps the store working, lets deletes (acknowledgements, removed sessions) still be written, and lets service
 * resume by itself once space returns.
 */
final class FreeSpaceGuard {

    /** Logs as the store (operators and tests know these lines by the store's logger). */
    private static final Logger LOG = LoggerFactory.getLogger(RocksStore.class);

    /** Writes that add data are refused while less than this is free on the store's filesystem. */
    static final long RESERVE_BYTES = 8L << 20;
    private static final long SPACE_CHECK_NANOS = 10_000_000L;

    private final Path dir;
    private volatile long nextSpaceCheck;
    private volatile long freeBytes = Long.MAX_VALUE;
    private volatile boolean lowLogged;
    /** Looked up once: finding a path's file store reads the mount table, too slow for every 10 ms. */
    private volatile java.nio.file.FileStore fileStore;

    FreeSpaceGuard(Path dir) {
        this.dir = dir;
    }

    /** @throws io.tern.broker.store.StoreWriteException naming {@code what} when too little space is free */
    void requireSpace(String what) {
        long now = System.nanoTime();
        if (now - nextSpaceCheck >= 0) {
            nextSpaceCheck = now + SPACE_CHECK_NANOS;
            try {
                java.nio.file.FileStore fs = fileStore;
                if (fs == null) {
                    fileStore = fs = Files.getFileStore(dir);
                }
                freeBytes = fs.getUsableSpace(); // one statvfs(2)
            } catch (IOException e) {
                freeBytes = Long.MAX_VALUE; // cannot tell: let RocksDB report what happens
            }
            if (freeBytes >= RESERVE_BYTES && lowLogged) {
                lowLogged = false;
                LOG.warn("Store {}: {} bytes free again, storing resumed", dir, freeBytes);
            }
        }
        long free = freeBytes;
        if (free < RESERVE_BYTES) {
            if (!lowLogged) {
                lowLogged = true;
                LOG.error("Store {}: only {} bytes free on its filesystem (Tern keeps {} free); new messages are"
                        + " refused until there is space again", dir, free, RESERVE_BYTES);
            }
            throw new io.tern.broker.store.StoreWriteException("Store " + dir + ": " + what + " refused: only "
                    + free + " bytes free on its filesystem", null);
        }
    }
}
