package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.QueueEntry;
import io.tern.broker.store.Recovered;
import io.tern.broker.store.StoredMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Store format 3: a message with one durable entry is inline in it (one key per message), further entries share a
 * {@code messages} record, queue lengths are counted at start, and packet-id records acknowledged within a
 * group-commit interval are never written. Format 2 stores open and read as before.
 */
class InlineEntryTest {

    @TempDir
    Path dir;

    @Test
    void aMessageWithOneEntryIsOneKeyAndItsDequeueOneDelete() throws Exception {
        StoredMessage m = Fixtures.richMessage();
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putMessageAndEnqueue(1, m, "a", Fixtures.entry(1, 1)); // reserves the first block of ids
            long before = store.db().getLatestSequenceNumber();
            for (long n = 2; n <= 101; n++) {
                store.putMessageAndEnqueue(n, m, "a", Fixtures.entry(n, n));
                store.markSent("a", n, (int) n);
                store.dequeue("a", n);
            }
            // put entry, put packet id (written at once without batch), delete both: 4 key operations, not 11
            assertThat(store.db().getLatestSequenceNumber() - before).isEqualTo(100 * 4);
        }
        try (RawDb raw = new RawDb(dir)) {
            assertThat(count(raw, RocksStore.CF_MESSAGES)).isZero();
            assertThat(count(raw, RocksStore.CF_REFS)).isZero();
            assertThat(count(raw, RocksStore.CF_QUEUE_COUNTS)).isZero();
            assertThat(count(raw, RocksStore.CF_QUEUES)).isEqualTo(1);
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            Recovered r = store.recover();
            assertThat(r.queuedCounts()).containsExactly(java.util.Map.entry("a", 1L));
            assertThat(r.lastSeq()).containsEntry("a", 1L);
            assertThat(r.nextMessageId()).isGreaterThan(101);
            QueueEntry e = store.readQueue("a", 0, 10).get(0);
            assertThat(e.message()).usingRecursiveComparison().isEqualTo(m);
            assertThat(store.message(1)).as("inline: no messages record").isNull();
            store.dequeue("a", 1); // not known in this process: read back, found inline
            assertThat(store.readQueue("a", 0, 10)).isEmpty();
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    @Test
    void furtherEntriesShareOneRecordFreedWithTheLastOfThem() throws Exception {
        StoredMessage m = Fixtures.message("t", "fan-out");
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putMessageAndEnqueue(5, m, "a", Fixtures.entry(1, 5));
            store.enqueue("b", Fixtures.entry(1, 5));
            store.enqueue("c", Fixtures.entry(1, 5));
            assertThat(store.message(5)).usingRecursiveComparison().isEqualTo(m);
            store.dequeue("a", 1);
            store.dequeue("b", 1);
            assertThat(store.message(5)).as("c still refers to it").usingRecursiveComparison().isEqualTo(m);
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            assertThat(store.recover().queuedCounts()).containsExactly(java.util.Map.entry("c", 1L));
            List<QueueEntry> c = store.readQueue("c", 0, 10);
            assertThat(c).hasSize(1);
            assertThat(c.get(0).message()).isNull();
            store.dequeue("c", 1);
            assertThat(store.message(5)).isNull();
        }
        try (RawDb raw = new RawDb(dir)) {
            assertThat(count(raw, RocksStore.CF_MESSAGES)).isZero();
            assertThat(count(raw, RocksStore.CF_REFS)).isZero();
        }
    }

    @Test
    void removingASessionReleasesOnlyTheSharedMessagesOfItsQueue() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putSession(Fixtures.session("a"));
            for (long n = 1; n <= 50; n++) {
                store.putMessageAndEnqueue(n, Fixtures.message("t", "m" + n), "a", Fixtures.entry(n, n));
                store.enqueue("b", Fixtures.entry(n, n));
                store.markSent("a", n, (int) n);
            }
            store.removeSession("a");
            assertThat(store.message(7)).as("b's entry keeps it").isNotNull();
            store.removeSession("b");
            assertThat(store.message(7)).isNull();
        }
        assertThat(RocksStore.check(dir)).contains("queued entries:      0").endsWith("OK: the store is consistent");
    }

    @Test
    void aPacketIdAcknowledgedWhileHeldIsNeverWrittenAndDequeuesAreWrittenByTheGroupCommit() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putMessageAndEnqueue(1, Fixtures.message("t", "1"), "a", Fixtures.entry(1, 1));
            store.putMessageAndEnqueue(2, Fixtures.message("t", "2"), "a", Fixtures.entry(2, 2));
            long hour = java.util.concurrent.TimeUnit.HOURS.toNanos(1);
            LiveEntries live = new LiveEntries(true, hour, hour); // as with batch, flushed by hand
            ColumnFamilyHandle sent = store.sent;
            byte[] k1 = Keys.queueKey(Keys.clientPrefix("a"), 1);
            byte[] k2 = Keys.queueKey(Keys.clientPrefix("a"), 2);
            try (WriteOptions wo = new WriteOptions()) {
                live.added("a", 1, true, 1, 1);
                live.added("a", 2, true, 2, 2);
                live.sent("a", 1, 11);
                live.sent("a", 2, 12);
                live.flush(store.db(), wo, store.queues, sent, false); // held: not written yet
                assertThat(store.db().get(sent, k1)).isNull();
                assertThat(live.remove("a", 1)).as("deleted by the group commit").isEqualTo(LiveEntries.DEFERRED);
                assertThat(live.deleting("a", 1)).isTrue();
                assertThat(live.remove("a", 1)).as("dequeued twice: nothing more").isEqualTo(LiveEntries.DEFERRED);
                live.flush(store.db(), wo, store.queues, sent, false);
                assertThat(store.db().get(store.queues, k1)).isNull();
                assertThat(store.db().get(sent, k1)).as("cancelled, never written").isNull();
                assertThat(live.deleting("a", 1)).isFalse();
                assertThat(live.pendingId("a", 2)).isEqualTo(12);
                live.flush(store.db(), wo, store.queues, sent, true); // as at close: every pending one
                assertThat(store.db().get(sent, k2)).containsExactly(0, 12);
                assertThat(live.remove("a", 2)).isEqualTo(LiveEntries.DEFERRED);
                live.flush(store.db(), wo, store.queues, sent, false);
                assertThat(store.db().get(store.queues, k2)).isNull();
                assertThat(store.db().get(sent, k2)).as("deleted with its entry").isNull();
                assertThat(live.remove("a", 3)).as("unknown: read it")
                        .isEqualTo(LiveEntries.UNKNOWN | LiveEntries.SENT_WRITTEN);
            }
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    @Test
    void aSyncWithPacketIdsWritesEveryHeldRecordInTheNextFlush() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putMessageAndEnqueue(1, Fixtures.message("t", "1"), "a", Fixtures.entry(1, 1));
            long hour = java.util.concurrent.TimeUnit.HOURS.toNanos(1);
            LiveEntries live = new LiveEntries(true, hour, hour);
            byte[] k1 = Keys.queueKey(Keys.clientPrefix("a"), 1);
            try (WriteOptions wo = new WriteOptions()) {
                live.added("a", 1, true, 1, 1);
                live.sent("a", 1, 21);
                live.flush(store.db(), wo, store.queues, store.sent, false);
                assertThat(store.db().get(store.sent, k1)).as("held").isNull();
                // a bridge forwards under this id only once it is durable (Store.syncWithPacketIds)
                live.writeAllHeldNext();
                live.flush(store.db(), wo, store.queues, store.sent, false);
                assertThat(store.db().get(store.sent, k1)).containsExactly(0, 21);
                assertThat(live.pendingId("a", 1)).isZero();
            }
        }
    }

    @Test
    void aBatchStoreCallsBackASyncWithPacketIdsOnlyWithTheHeldIdWritten() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            store.putMessageAndEnqueue(1, Fixtures.message("t", "x"), "a", Fixtures.entry(1, 1));
            store.markSent("a", 1, 777);
            java.util.concurrent.CountDownLatch durable = new java.util.concurrent.CountDownLatch(1);
            store.syncWithPacketIds(durable::countDown);
            assertThat(durable.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(store.db().get(store.sent, Keys.queueKey(Keys.clientPrefix("a"), 1)))
                    .as("written before the callback, not 100 ms later").containsExactly(3, 9);
        }
    }

    @Test
    void markingReleasedWritesTheHeldPacketIdWithIt() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            store.putMessageAndEnqueue(1, Fixtures.message("t", "x"), "a", Fixtures.entry(1, 1));
            store.markSent("a", 1, 258);
            store.markReleased("a", 1);
            // no group commit needed: a released entry never stands in RocksDB without the id it goes on with
            assertThat(store.db().get(store.sent, Keys.queueKey(Keys.clientPrefix("a"), 1))).containsExactly(1, 2);
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            QueueEntry e = store.readQueue("a", 0, 1).get(0);
            assertThat(e.packetId()).isEqualTo(258);
            assertThat(e.released()).isTrue();
        }
    }

    @Test
    void aBatchStoreHidesDequeuedEntriesUntilTheGroupCommitDeletesThem() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            for (long n = 1; n <= 3; n++) {
                store.putMessageAndEnqueue(n, Fixtures.message("t", "m" + n), "a", Fixtures.entry(n, n));
            }
            store.dequeue("a", 2);
            assertThat(store.readQueue("a", 0, 10)).extracting(QueueEntry::seq).containsExactly(1L, 3L);
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            assertThat(store.recover().queuedCounts()).containsEntry("a", 2L);
            assertThat(store.readQueue("a", 0, 10)).extracting(QueueEntry::seq).containsExactly(1L, 3L);
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    @Test
    void aBatchStoreWritesPendingPacketIdsAtClose() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            store.putMessageAndEnqueue(1, Fixtures.message("t", "x"), "a", Fixtures.entry(1, 1));
            store.markSent("a", 1, 4321);
            assertThat(store.readQueue("a", 0, 1).get(0).packetId()).as("pending, read from memory")
                    .isEqualTo(4321);
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            assertThat(store.readQueue("a", 0, 1).get(0).packetId()).isEqualTo(4321);
            store.dequeue("a", 1);
        }
        try (RawDb raw = new RawDb(dir)) {
            assertThat(count(raw, RocksStore.CF_SENT)).isZero();
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    @Test
    void aFormat2StoreOpensUpgradedWithItsEntriesReferringToMessages() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            // what format 2 wrote: a messages record, its reference count, the entries, a queue count
            store.putMessage(1, Fixtures.message("old", "two refs"));
            store.enqueue("a", Fixtures.entry(1, 1));
            store.enqueue("b", Fixtures.entry(1, 1));
        }
        try (RawDb raw = new RawDb(dir)) {
            raw.db.put(raw.family(RocksStore.CF_QUEUE_COUNTS), Keys.utf8("a"), Keys.counter(1));
            raw.db.put(raw.family(RocksStore.CF_QUEUE_COUNTS), Keys.utf8("b"), Keys.counter(1));
            raw.db.put(raw.family(RocksStore.CF_META), Keys.FORMAT_VERSION, Keys.int32(2));
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            assertThat(Keys.int32(store.db().get(store.meta, Keys.FORMAT_VERSION))).isEqualTo(3);
            assertThat(store.recover().queuedCounts()).containsEntry("a", 1L).containsEntry("b", 1L);
            QueueEntry e = store.readQueue("a", 0, 10).get(0);
            assertThat(e.message()).isNull();
            assertThat(store.message(e.messageId()).topic()).isEqualTo("old");
            store.dequeue("a", 1);
            assertThat(store.message(1)).isNotNull();
            store.dequeue("b", 1); // never read in this process: read back, found shared
            assertThat(store.message(1)).isNull();
        }
        try (RawDb raw = new RawDb(dir)) {
            assertThat(count(raw, RocksStore.CF_QUEUE_COUNTS)).as("format 3 keeps no queue counts").isZero();
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    private static long count(RawDb raw, String family) {
        long n = 0;
        try (RocksIterator it = raw.db.newIterator(raw.family(family))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
            }
        }
        return n;
    }
}
