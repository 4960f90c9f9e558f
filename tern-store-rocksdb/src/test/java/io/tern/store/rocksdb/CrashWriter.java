package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;

import java.nio.file.Path;

/**
 * Child process of {@link CrashTest}: enqueues entries one by one, syncs after each, and prints
 * {@code synced N} when entry N is reported durable, until it is killed (bounded in count and time).
 */
public final class CrashWriter {

    private CrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        PersistenceSync policy = PersistenceSync.valueOf(args[1]);
        long deadline = System.nanoTime() + 120_000_000_000L;
        RocksStore store = RocksStore.open(dir, policy);
        System.out.println("open");
        System.out.flush();
        for (long i = 1; i <= 2_000_000 && System.nanoTime() < deadline; i++) {
            long n = i;
            store.putMessage(n, Fixtures.message("crash/" + n, "payload " + n));
            store.enqueue("crash", Fixtures.entry(n, n));
            store.sync(() -> {
                System.out.println("synced " + n);
                System.out.flush();
            });
        }
        // never closed on purpose: the parent kills this process
    }
}
