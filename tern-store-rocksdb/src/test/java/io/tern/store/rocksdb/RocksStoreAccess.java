package io.tern.store.rocksdb;

/** What tests in other packages need to know of the store's internals. */
public final class RocksStoreAccess {

    private RocksStoreAccess() {
    }

    /** The free space the store keeps on its filesystem. */
    public static long reserveBytes() {
        return FreeSpaceGuard.RESERVE_BYTES;
    }
}
