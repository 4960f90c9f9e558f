package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class SyncTest {

    @TempDir
    Path dir;

    @Test
    void batchCallsBackEveryConcurrentCallerOnTheSyncThread() throws Exception {
        int threads = 8;
        int perThread = 200;
        CountDownLatch done = new CountDownLatch(threads * perThread);
        Set<String> callbackThreads = ConcurrentHashMap.newKeySet();
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            store.putMessage(1, Fixtures.message("t", "x"));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    String client = "c" + t;
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            store.enqueue(client, Fixtures.entry(i, 1));
                            store.sync(() -> {
                                callbackThreads.add(Thread.currentThread().getName());
                                done.countDown();
                            });
                        }
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(30, TimeUnit.SECONDS);
                }
                assertThat(done.await(30, TimeUnit.SECONDS)).as("every sync called back").isTrue();
            } finally {
                pool.shutdownNow();
            }
            long[] counts = store.groupCommitCounts();
            assertThat(counts[1]).isEqualTo(threads * perThread);
            assertThat(counts[0]).isBetween(1L, counts[1]);
        }
        assertThat(callbackThreads).containsExactly("tern-store-sync");
    }

    @Test
    void closeCallsBackSyncsStillWaiting() throws Exception {
        CountDownLatch done = new CountDownLatch(100);
        RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH);
        for (int i = 0; i < 100; i++) {
            store.sync(done::countDown);
        }
        store.close();
        // close joins the sync thread after its last fsync: nothing is left waiting
        assertThat(done.getCount()).isZero();
    }

    @Test
    void alwaysAndNoneCallBackBeforeSyncReturns() throws Exception {
        for (PersistenceSync policy : new PersistenceSync[] {PersistenceSync.ALWAYS, PersistenceSync.NONE}) {
            Path d = dir.resolve(policy.configName());
            try (RocksStore store = RocksStore.open(d, policy)) {
                store.putMessage(1, Fixtures.message("t", "x"));
                AtomicBoolean called = new AtomicBoolean();
                AtomicReference<Thread> on = new AtomicReference<>();
                store.sync(() -> {
                    called.set(true);
                    on.set(Thread.currentThread());
                });
                assertThat(called).as(policy + " calls back at once").isTrue();
                assertThat(on.get()).isSameAs(Thread.currentThread());
                assertThat(store.groupCommitCounts()).containsExactly(0, 0);
            }
        }
    }

    @Test
    void aThrowingCallbackDoesNotStopLaterOnes() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            store.sync(() -> {
                throw new IllegalStateException("expected by the test");
            });
            store.sync(done::countDown);
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
