package io.tern.store.rocksdb;

import org.rocksdb.AbstractNativeReference;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WALRecoveryMode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How the store's RocksDB is configured: the column families' descriptors (shared block cache and Bloom filter,
 * write buffers sized to each family, the counter merge operator) and the database options. Every native object
 * made is added to the caller's resource list, to be closed in reverse order with {@link #closeAll}.
 */
final class RocksTuning {

    private RocksTuning() {
    }

    /** The default family first, then {@code families} in their order (the handles come back in this order). */
    static List<ColumnFamilyDescriptor> descriptors(List<String> families, List<AbstractNativeReference> resources) {
        Cache cache = track(resources, new LRUCache(32L << 20));
        BloomFilter bloom = track(resources, new BloomFilter(10));
        UInt64AddOperator add = track(resources, new UInt64AddOperator());
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY,
                track(resources, new ColumnFamilyOptions())));
        for (String name : families) {
            ColumnFamilyOptions cf = track(resources, new ColumnFamilyOptions());
            cf.setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(bloom));
            boolean big = name.equals(RocksStore.CF_MESSAGES) || name.equals(RocksStore.CF_QUEUES);
            cf.setWriteBufferSize(big ? 32L << 20 : 4L << 20);
            if (name.equals(RocksStore.CF_REFS) || name.equals(RocksStore.CF_QUEUE_COUNTS)) {
                cf.setMergeOperator(add);
            }
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII), cf));
        }
        return descriptors;
    }

    /**
     * @param lenient        skip corrupted write-ahead-log records and paranoid checks (repair)
     * @param manualWalFlush keep WAL writes in RocksDB's buffer until the group commit flushes them
     */
    static DBOptions options(List<AbstractNativeReference> resources, boolean lenient, boolean manualWalFlush)
            throws RocksDBException {
        DBOptions options = track(resources, new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                // several column families share one WAL; cap it so a quiet family cannot pin old WAL files
                .setMaxTotalWalSize(256L << 20)
                .setMaxBackgroundJobs(2)
                // after a crash, replay the log into memtables and let the normal flush write them later
                .setAvoidFlushDuringRecovery(true)
                .setInfoLogLevel(InfoLogLevel.INFO_LEVEL)
                .setKeepLogFileNum(3)
                .setMaxLogFileSize(4L << 20)
                // with a file manager RocksDB recovers by itself from "no space left" once space returns;
                // until then every write fails and the broker acknowledges nothing
                .setSstFileManager(track(resources, new org.rocksdb.SstFileManager(org.rocksdb.Env.getDefault())))
                .setManualWalFlush(manualWalFlush));
        if (lenient) {
            options.setWalRecoveryMode(WALRecoveryMode.SkipAnyCorruptedRecords).setParanoidChecks(false);
        }
        return options;
    }

    private static <T extends AbstractNativeReference> T track(List<AbstractNativeReference> list, T ref) {
        list.add(ref);
        return ref;
    }

    /** Closes the resources in the reverse order of their making. */
    static void closeAll(List<AbstractNativeReference> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }
}
