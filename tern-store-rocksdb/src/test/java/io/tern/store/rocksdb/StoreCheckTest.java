package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.QueueEntry;
import io.tern.broker.store.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreCheckTest {

    @TempDir
    Path dir;

    @Test
    void consistentStoreChecksOkWithCounts() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putSession(Fixtures.session("a"));
            store.putMessage(1, Fixtures.message("t", "x"));
            store.enqueue("a", Fixtures.entry(1, 1));
            store.enqueue("b", Fixtures.entry(1, 1));
            store.putRetained(Fixtures.message("r", "y"));
            store.addInboundQos2("a", 3);
        }
        String report = RocksStore.check(dir);
        assertThat(report)
                .contains("sessions:            1")
                .contains("queued entries:      2 in 2 queue(s)")
                .contains("stored messages:     1")
                .contains("retained messages:   1")
                .contains("inbound QoS 2 ids:   1")
                .contains("1 queue(s) belong to no stored session")
                .endsWith("OK: the store is consistent");
    }

    @Test
    void checkFindsDanglingEntriesAndWrongCountsAndRepairFixesThem() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putSession(Fixtures.session("a"));
            store.putMessage(1, Fixtures.message("t", "kept"));
            store.putMessage(2, Fixtures.message("t", "will vanish"));
            store.enqueue("a", Fixtures.entry(1, 1));
            store.enqueue("a", Fixtures.entry(2, 2));
            store.enqueue("a", Fixtures.entry(3, 1));
        }
        try (RawDb raw = new RawDb(dir)) {
            raw.db.delete(raw.family(RocksStore.CF_MESSAGES), Keys.messageId(2));      // entry 2 dangles
            raw.db.put(raw.family(RocksStore.CF_REFS), Keys.messageId(1), Keys.counter(5)); // really 2
            raw.db.put(raw.family(RocksStore.CF_QUEUES), Keys.queueKey(Keys.clientPrefix("a"), 4),
                    new byte[] {1, 2, 3});                                               // undecodable entry
            raw.db.put(raw.family(RocksStore.CF_SENT), Keys.queueKey(Keys.clientPrefix("a"), 9),
                    new byte[] {0, 7});                                                  // packet id, no entry
        }
        String check = RocksStore.check(dir);
        assertThat(check)
                .contains("queue entry 2 of a refers to message 2, which does not exist")
                .contains("message 1 has reference count 5 but 2 queue entries refer to it")
                .contains("damaged queue entry: 1")
                .contains("packet id without queue entry: 1")
                .contains("PROBLEMS:")
                .contains("tern --repair-store " + dir);

        String repair = RocksStore.repair(dir);
        assertThat(repair).contains("REPAIRED:").endsWith("OK: the store is consistent");

        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            assertThat(store.readQueue("a", 0, 10)).extracting(QueueEntry::seq).containsExactly(1L, 3L);
            assertThat(store.recover().queuedCounts()).containsEntry("a", 2L);
            store.dequeue("a", 1);
            assertThat(store.message(1)).isNotNull();
            store.dequeue("a", 3);
            assertThat(store.message(1)).as("refcount repaired to 2: gone with its second dequeue").isNull();
        }
    }

    @Test
    void repairOfAnUnopenableStoreSaysSoAndTouchesNothing() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not a database");
        assertThatThrownBy(() -> RocksStore.repair(dir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot be repaired")
                .hasMessageContaining("not a Tern store");
        try (var files = Files.list(dir)) {
            assertThat(files.count()).isEqualTo(1);
        }
    }
}
