package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;

import java.nio.file.Path;

/**
 * Child process of {@link StoreFaultTest}, killed with SIGKILL while it works (bounded in count and time).
 * {@code sessions}: a burst of session changes (store session i, remove session i-50), syncing after each and
 * printing {@code synced i}. {@code compaction}: queue entries, with a full compaction running meanwhile
 * (printing {@code compacting} when the first one starts).
 */
public final class FaultWriter {

    private FaultWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH);
        long deadline = System.nanoTime() + 90_000_000_000L;
        if (args[1].equals("compaction")) {
            Thread compactor = new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        System.out.println("compacting");
                        System.out.flush();
                        store.db().compactRange();
                    }
                } catch (Exception e) {
                    System.out.println("compaction failed: " + e);
                }
            });
            compactor.setDaemon(true);
            compactor.start();
            for (long i = 1; i <= 5_000_000 && System.nanoTime() < deadline; i++) {
                long n = i;
                store.putMessage(n, Fixtures.message("compact/" + n, "payload " + n));
                store.enqueue("compact", Fixtures.entry(n, n));
                if (n % 100 == 0) {
                    store.sync(() -> {
                        System.out.println("synced " + n);
                        System.out.flush();
                    });
                }
            }
        } else {
            for (long i = 1; i <= 5_000_000 && System.nanoTime() < deadline; i++) {
                long n = i;
                store.putSession(Fixtures.session("burst-" + n));
                if (n > 50) {
                    store.removeSession("burst-" + (n - 50));
                }
                store.sync(() -> {
                    System.out.println("synced " + n);
                    System.out.flush();
                });
            }
        }
        Thread.sleep(120_000); // never closed on purpose: the parent kills this process
    }
}
