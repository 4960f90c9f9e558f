package io.tern.broker.store;

import io.tern.broker.config.PersistenceSync;

import java.nio.file.Path;

/**
 * Opens a {@link Store}. The broker core does not depend on any storage engine: an engine module
 * (tern-store-rocksdb) registers one of these with {@link java.util.ServiceLoader}.
 */
public interface StoreFactory {

    /**
     * Opens (creating if absent) the store at {@code dir}.
     *
     * @throws StoreException when it cannot be opened; the message names the path and what to do
     */
    Store open(Path dir, PersistenceSync sync) throws StoreException;

    /** A human-readable consistency report of the store at {@code dir} ({@code tern --check-store}). */
    String check(Path dir) throws StoreException;

    /** Repairs what can be repaired and reports what was done ({@code tern --repair-store}). */
    String repair(Path dir) throws StoreException;
}
