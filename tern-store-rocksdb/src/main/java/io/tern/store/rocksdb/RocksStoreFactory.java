package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.Store;
import io.tern.broker.store.StoreException;
import io.tern.broker.store.StoreFactory;

import java.nio.file.Path;

/** Registers the RocksDB store with the broker through {@link java.util.ServiceLoader}. */
public final class RocksStoreFactory implements StoreFactory {

    @Override
    public Store open(Path dir, PersistenceSync sync) throws StoreException {
        return RocksStore.open(dir, sync);
    }

    @Override
    public String check(Path dir) throws StoreException {
        return RocksStore.check(dir);
    }

    @Override
    public String repair(Path dir) throws StoreException {
        return RocksStore.repair(dir);
    }
}
