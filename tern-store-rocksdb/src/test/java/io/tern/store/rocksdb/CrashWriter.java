package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;

import java.nio.file.Path;

/**
 * Child process of {@link CrashTest}: enqueues entries one by one, syncs after each, and prints
 * {@code synced N} when entry N is reported durable, until it is killed (bounded in count and time).
 * {@code CrashWriter DIR POLICY combined} writes each message with its entry in one batch
 * ({@link RocksStore#putMessageAndEnqueue}), as the broker does for a message's first durable subscriber.
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
        boolean acked = args.length > 2 && args[2].equals("acked");
        boolean combined = acked || args.length > 2 && args[2].equals("combined");
        if (args.length > 2 && args[2].chars().allMatch(Character::isDigit)) {
            // bulk mode: N entries for 1000 clients, then wait to be killed with everything still in the WAL
            int n = Integer.parseInt(args[2]);
            byte[] payload = new byte[100];
            for (int i = 1; i <= n; i++) {
                if (i % 10 == 1) {
                    store.putMessage(i, new io.tern.broker.store.StoredMessage("bulk", payload, 1, false,
                            io.tern.codec.Properties.EMPTY, null, Long.MAX_VALUE));
                }
                store.enqueue("client-" + (i % 1000), Fixtures.entry(i, i - (i - 1) % 10));
            }
            store.sync(() -> {
                System.out.println("written " + n);
                System.out.flush();
            });
            Thread.sleep(120_000);
            return;
        }
        for (long i = 1; i <= 2_000_000 && System.nanoTime() < deadline; i++) {
            long n = i;
            if (combined) {
                store.putMessageAndEnqueue(n, Fixtures.message("crash/" + n, "payload " + n), "crash",
                        Fixtures.entry(n, n));
            } else {
                store.putMessage(n, Fixtures.message("crash/" + n, "payload " + n));
                store.enqueue("crash", Fixtures.entry(n, n));
            }
            if (acked) {
                // a connected subscriber: every entry sent, the odd ones acknowledged at once
                store.markSent("crash", n, (int) (n % 65_535) + 1);
                if (n % 2 == 1) {
                    store.dequeue("crash", n);
                }
            }
            store.sync(() -> {
                System.out.println("synced " + n);
                System.out.flush();
            });
        }
        // never closed on purpose: the parent kills this process
    }
}
