package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The publish path's single WriteBatch (message + first entry) and the BATCH policy's buffered WAL. */
class BatchWriteTest {

    @TempDir
    Path dir;

    @Test
    void messageAndFirstEntryInOneBatchAreCountedLikeSeparateWrites() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            store.putMessageAndEnqueue(7, Fixtures.message("t/7", "seven"), "a", Fixtures.entry(1, 7));
            store.enqueue("b", Fixtures.entry(1, 7)); // a second durable subscriber of the same message
            assertThat(store.readQueue("a", 0, 10)).extracting(e -> e.messageId()).containsExactly(7L);
            store.dequeue("a", 1);
            assertThat(store.message(7)).as("still referenced by b").isNotNull();
        }
        // reopening sweeps messages stored without an entry: this one had its entry in the same batch
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            assertThat(store.recover().queuedCounts()).containsEntry("b", 1L).doesNotContainKey("a");
            assertThat(store.message(7).topic()).isEqualTo("t/7");
            store.dequeue("b", 1);
            assertThat(store.message(7)).as("the last reference deleted it").isNull();
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    @Test
    void theSentPacketIdIsWrittenBlindAndGoesWithItsEntry() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            store.putMessageAndEnqueue(1, Fixtures.message("t", "x"), "c", Fixtures.entry(1, 1));
            store.enqueue("c", Fixtures.entry(2, 1));
            byte[] before = store.db().get(store.queues, Keys.queueKey(Keys.clientPrefix("c"), 1));
            store.markSent("c", 1, 513);
            assertThat(store.db().get(store.queues, Keys.queueKey(Keys.clientPrefix("c"), 1)))
                    .as("the entry is not rewritten").isEqualTo(before);
            assertThat(store.readQueue("c", 0, 10)).extracting(e -> e.packetId()).containsExactly(513, 0);
            store.dequeue("c", 1);
            assertThat(store.db().get(store.sent, Keys.queueKey(Keys.clientPrefix("c"), 1))).isNull();
            store.markSent("c", 2, 7);
            store.removeSession("c");
            assertThat(store.db().get(store.sent, Keys.queueKey(Keys.clientPrefix("c"), 2))).isNull();
            // a stale id (markSent for an entry that was never there) does not stick to a later entry
            store.markSent("d", 5, 99);
            store.putMessageAndEnqueue(2, Fixtures.message("t", "y"), "d", Fixtures.entry(5, 2));
            assertThat(store.readQueue("d", 0, 10)).extracting(e -> e.packetId()).containsExactly(0);
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    @Test
    void writesNobodySyncsStillReachTheLogWithinTheFlushInterval() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            long before = walBytes();
            store.putSession(Fixtures.session("unsynced")); // no sync(): the group commit's flush must write it
            await().atMost(Duration.ofSeconds(10)).until(() -> walBytes() > before);
        }
    }

    @Test
    void groupCommitReportsItsBatchesAndSyncLatency() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            CountDownLatch done = new CountDownLatch(50);
            for (int i = 1; i <= 50; i++) {
                store.putMessageAndEnqueue(i, Fixtures.message("t", "x"), "c", Fixtures.entry(i, i));
                store.sync(done::countDown);
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            long[] counts = store.groupCommitCounts();
            assertThat(counts[1]).isEqualTo(50);
            assertThat(counts[0]).isBetween(1L, 50L);
            assertThat(store.groupCommitSummary()).contains(counts[0] + " group commits", "WAL sync per commit mean");
            assertThat(store.statistics()).containsEntry("sync/commits", Long.toString(counts[0]))
                    .containsKeys("sync/batch/mean", "sync/latency_us/mean", "sync/latency_us/p99",
                            "sync/latency_us/max");
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            assertThat(store.groupCommitSummary()).isNull();
            assertThat(store.recover().queuedCounts()).containsEntry("c", 50L);
        }
    }

    private long walBytes() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }
}
