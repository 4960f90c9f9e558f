package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.QueueEntry;
import io.tern.broker.store.Recovered;
import io.tern.broker.store.StoreException;
import io.tern.broker.store.StoredMessage;
import io.tern.broker.store.StoredSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RocksStoreTest {

    @TempDir
    Path dir;

    @Test
    void everyRecordTypeSurvivesReopen() throws Exception {
        StoredMessage rich = Fixtures.richMessage();
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            store.putMessage(10, rich);
            store.enqueue("c1", new QueueEntry(1, 10, 2, true, new int[] {3, 4}, 0, false));
            store.putSession(Fixtures.session("c1"));
            store.putSession(new StoredSession("c2", 4, -1, 0, List.of()));
            store.addInboundQos2("c1", 1);
            store.addInboundQos2("c1", 65535);
            store.addInboundQos2("c2", 7);
            store.putRetained(rich);
            store.putRetained(Fixtures.message("other", "x"));
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            Recovered r = store.recover();
            assertThat(r.sessions()).containsExactlyInAnyOrder(Fixtures.session("c1"),
                    new StoredSession("c2", 4, -1, 0, List.of()));
            assertThat(r.queuedCounts()).containsEntry("c1", 1L).hasSize(1);
            assertThat(r.lastSeq()).containsEntry("c1", 1L);
            assertThat(r.inboundQos2()).containsEntry("c1", java.util.Set.of(1, 65535))
                    .containsEntry("c2", java.util.Set.of(7));
            assertThat(r.retained()).extracting(StoredMessage::topic).containsExactlyInAnyOrder(rich.topic(), "other");
            StoredMessage retainedBack = r.retained().stream().filter(m -> m.topic().equals(rich.topic()))
                    .findFirst().orElseThrow();
            assertThat(retainedBack.properties()).isEqualTo(rich.properties());
            assertThat(retainedBack.payload()).isEqualTo(rich.payload());
            assertThat(r.nextMessageId()).isGreaterThan(10);

            StoredMessage back = store.message(10);
            assertThat(back.properties()).isEqualTo(rich.properties());
            assertThat(back.topic()).isEqualTo(rich.topic());
            QueueEntry e = store.readQueue("c1", 0, 10).get(0);
            assertThat(e.seq()).isEqualTo(1);
            assertThat(e.messageId()).isEqualTo(10);
            assertThat(e.qos()).isEqualTo(2);
            assertThat(e.retain()).isTrue();
            assertThat(e.subscriptionIds()).containsExactly(3, 4);
        }
    }

    @Test
    void removedRecordsStayRemoved() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putRetained(Fixtures.message("t", "x"));
            store.removeRetained("t");
            store.addInboundQos2("c", 5);
            store.removeInboundQos2("c", 5);
            store.putSession(Fixtures.session("c"));
            store.putSession(new StoredSession("c", 4, 10, 0, List.of()));
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            Recovered r = store.recover();
            assertThat(r.retained()).isEmpty();
            assertThat(r.inboundQos2()).isEmpty();
            assertThat(r.sessions()).containsExactly(new StoredSession("c", 4, 10, 0, List.of()));
        }
    }

    @Test
    void queueReadsInSeqOrderAndPagesWithoutMixingClients() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putMessage(1, Fixtures.message("t", "x"));
            // "a" is a prefix of "ab": their key ranges must not overlap
            for (long seq : new long[] {300, 1, 256, 2, 255, 1000}) {
                store.enqueue("a", Fixtures.entry(seq, 1));
            }
            store.enqueue("ab", Fixtures.entry(5, 1));
            store.enqueue("", Fixtures.entry(0, 1));

            List<Long> all = new ArrayList<>();
            long after = 0;
            for (List<QueueEntry> page = store.readQueue("a", after, 2); !page.isEmpty();
                 page = store.readQueue("a", after, 2)) {
                assertThat(page.size()).isLessThanOrEqualTo(2);
                page.forEach(e -> all.add(e.seq()));
                after = page.get(page.size() - 1).seq();
            }
            assertThat(all).containsExactly(1L, 2L, 255L, 256L, 300L, 1000L);
            assertThat(store.readQueue("a", 256, 100)).extracting(QueueEntry::seq).containsExactly(300L, 1000L);
            assertThat(store.readQueue("a", 1000, 100)).isEmpty();
            assertThat(store.readQueue("a", Long.MAX_VALUE, 100)).isEmpty();
            assertThat(store.readQueue("a", 0, 0)).isEmpty();
            assertThat(store.readQueue("ab", 0, 100)).extracting(QueueEntry::seq).containsExactly(5L);
            assertThat(store.readQueue("", -1, 100)).extracting(QueueEntry::seq).containsExactly(0L);
            assertThat(store.readQueue("nobody", 0, 100)).isEmpty();

            Recovered r = store.recover();
            assertThat(r.queuedCounts()).containsEntry("a", 6L).containsEntry("ab", 1L).containsEntry("", 1L);
            assertThat(r.lastSeq()).containsEntry("a", 1000L).containsEntry("ab", 5L).containsEntry("", 0L);
        }
    }

    @Test
    void messageIsDeletedWithItsLastQueueEntryOnly() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putMessage(7, Fixtures.message("t", "shared"));
            store.enqueue("a", Fixtures.entry(1, 7));
            store.enqueue("b", Fixtures.entry(1, 7));
            store.enqueue("c", Fixtures.entry(1, 7));

            store.dequeue("a", 1);
            store.dequeue("a", 1); // a second dequeue of the same entry must not release another reference
            assertThat(store.message(7)).isNotNull();
            store.dequeue("b", 1);
            assertThat(store.message(7)).isNotNull();
            store.dequeue("c", 1);
            assertThat(store.message(7)).isNull();
            assertThat(store.recover().queuedCounts()).isEmpty();
            // check() takes the store's lock, so it refuses to run beside a live broker
            assertThatThrownBy(() -> RocksStore.check(dir)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("in use");
        }
        assertThat(RocksStore.check(dir)).contains("stored messages:     0").endsWith("OK: the store is consistent");
    }

    @Test
    void retainedCopyIsIndependentOfQueuedMessage() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            StoredMessage m = Fixtures.message("t", "keep");
            store.putMessage(1, m);
            store.putRetained(m);
            store.enqueue("a", Fixtures.entry(1, 1));
            store.dequeue("a", 1);
            assertThat(store.message(1)).isNull();
            assertThat(store.recover().retained()).extracting(StoredMessage::topic).containsExactly("t");
        }
    }

    @Test
    void markSentAndMarkReleasedSurviveReopen() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.ALWAYS)) {
            store.putMessage(1, Fixtures.message("t", "x"));
            store.enqueue("c", new QueueEntry(1, 1, 2, false, new int[] {9}, 0, false));
            store.enqueue("c", new QueueEntry(2, 1, 1, false, new int[0], 0, false));
            store.markSent("c", 1, 4242);
            store.markReleased("c", 1);
            store.markSent("c", 2, 65535);
            store.markSent("c", 99, 1); // absent entry: nothing happens
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.ALWAYS)) {
            List<QueueEntry> q = store.readQueue("c", 0, 10);
            assertThat(q).hasSize(2);
            assertThat(q.get(0).packetId()).isEqualTo(4242);
            assertThat(q.get(0).released()).isTrue();
            assertThat(q.get(0).subscriptionIds()).containsExactly(9);
            assertThat(q.get(1).packetId()).isEqualTo(65535);
            assertThat(q.get(1).released()).isFalse();
        }
    }

    @Test
    void removeSessionDeletesQueueInboundIdsAndReleasesMessages() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putMessage(1, Fixtures.message("t", "only-c"));
            store.putMessage(2, Fixtures.message("t", "shared"));
            store.putSession(Fixtures.session("c"));
            store.putSession(Fixtures.session("other"));
            // more than one removal chunk
            for (int i = 0; i < 25_000; i++) {
                store.enqueue("c", Fixtures.entry(i, 1));
            }
            store.enqueue("c", Fixtures.entry(25_000, 2));
            store.enqueue("other", Fixtures.entry(1, 2));
            store.addInboundQos2("c", 1);
            store.addInboundQos2("c", 2);
            store.addInboundQos2("other", 3);

            store.removeSession("c");

            assertThat(store.readQueue("c", Long.MIN_VALUE, 10)).isEmpty();
            assertThat(store.message(1)).isNull();
            assertThat(store.message(2)).isNotNull();
            Recovered r = store.recover();
            assertThat(r.sessions()).extracting(StoredSession::clientId).containsExactly("other");
            assertThat(r.queuedCounts()).containsOnlyKeys("other");
            assertThat(r.inboundQos2()).containsOnlyKeys("other");
            store.dequeue("other", 1);
            assertThat(store.message(2)).isNull();
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    @Test
    void nextMessageIdNeverGoesBackwards() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            assertThat(store.recover().nextMessageId()).isEqualTo(1);
            store.putMessage(5000, Fixtures.message("t", "x"));
            store.enqueue("c", Fixtures.entry(1, 5000));
            store.dequeue("c", 1); // the message is gone, its id must still not come back
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            assertThat(store.recover().nextMessageId()).isGreaterThan(5000);
        }
    }

    @Test
    void closedStoreRefusesCallsAndCloseIsIdempotent() throws Exception {
        RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH);
        store.close();
        store.close();
        assertThatThrownBy(() -> store.message(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> store.readQueue("c", 0, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.sync(() -> { })).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(store::recover).isInstanceOf(IllegalStateException.class);
        // the lock was released: the directory opens again
        try (RocksStore again = RocksStore.open(dir, PersistenceSync.BATCH)) {
            assertThat(again.recover().sessions()).isEmpty();
        }
    }

    @Test
    void messageStoredButNeverQueuedIsDeletedAtNextOpen() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putMessage(1, Fixtures.message("t", "orphan of a crash"));
            store.putMessage(2, Fixtures.message("t", "queued, then fully delivered elsewhere"));
            store.putMessage(3, Fixtures.message("t", "queued"));
            store.enqueue("c", Fixtures.entry(1, 2));
            store.enqueue("c", Fixtures.entry(2, 3));
            store.dequeue("c", 1);
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            assertThat(store.message(1)).isNull();
            assertThat(store.message(2)).isNull();
            assertThat(store.message(3)).isNotNull();
        }
        assertThat(RocksStore.check(dir)).contains("stored messages:     1").endsWith("OK: the store is consistent");
    }

    @Test
    void concurrentDequeuesOfASharedMessageDeleteItExactlyOnceAllReferencesAreGone() throws Exception {
        int clients = 8;
        int messages = 500;
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            for (int m = 1; m <= messages; m++) {
                store.putMessage(m, Fixtures.message("t", "m" + m));
                for (int c = 0; c < clients; c++) {
                    store.enqueue("c" + c, Fixtures.entry(m, m));
                }
            }
            // every client dequeues on its own thread, as sessions on different event loops would
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
            try {
                List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    String client = "c" + c;
                    fs.add(pool.submit(() -> {
                        for (int m = 1; m <= messages; m++) {
                            store.dequeue(client, m);
                        }
                    }));
                }
                for (java.util.concurrent.Future<?> f : fs) {
                    f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            for (int m = 1; m <= messages; m++) {
                assertThat(store.message(m)).as("message %d", m).isNull();
            }
        }
        assertThat(RocksStore.check(dir)).contains("stored messages:     0").endsWith("OK: the store is consistent");
    }
}
