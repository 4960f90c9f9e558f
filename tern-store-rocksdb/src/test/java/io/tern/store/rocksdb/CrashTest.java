package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.QueueEntry;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of a writing process loses nothing it reported durable. (A kill keeps the OS page cache, so this
 * proves the write path (no user-space buffering, callbacks only after the write) rather than the fsync itself;
 * power loss is what the fsync of ALWAYS/BATCH adds.)
 */
class CrashTest {

    private static final long SYNCED_BEFORE_KILL = 3_000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = PersistenceSync.class, names = {"BATCH", "ALWAYS"})
    void everyEntryReportedSyncedSurvivesKill9(PersistenceSync policy) throws Exception {
        killAndCheck(policy, "separate");
    }

    /** The broker's path: message and first entry in one WriteBatch; BATCH keeps the WAL in memory until a sync. */
    @ParameterizedTest
    @EnumSource(value = PersistenceSync.class, names = {"BATCH", "ALWAYS"})
    void messageAndEntryWrittenInOneBatchSurviveKill9(PersistenceSync policy) throws Exception {
        killAndCheck(policy, "combined");
    }

    /**
     * A connected subscriber's path: every entry sent (its packet-id record held in memory with BATCH) and every
     * other one acknowledged at once (its delete left to the group commit): kill -9 loses no unacknowledged
     * entry, and what it keeps is consistent.
     */
    @ParameterizedTest
    @EnumSource(value = PersistenceSync.class, names = {"BATCH", "ALWAYS"})
    void unacknowledgedEntriesSurviveKill9WhileOthersAreAcknowledged(PersistenceSync policy) throws Exception {
        killAndCheck(policy, "acked");
    }

    private void killAndCheck(PersistenceSync policy, String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), dir.toString(), policy.name(), mode)
                .redirectErrorStream(true).start();
        AtomicLong maxSynced = new AtomicLong();
        AtomicReference<String> unexpected = new AtomicReference<>();
        CountDownLatch enough = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("synced ")) {
                        long n = Long.parseLong(line.substring(7));
                        maxSynced.accumulateAndGet(n, Math::max);
                        if (n >= SYNCED_BEFORE_KILL) {
                            enough.countDown();
                        }
                    } else if (!line.equals("open")) {
                        unexpected.compareAndSet(null, line);
                    }
                }
            } catch (Exception e) {
                // stream closed by the kill
            }
        });
        reader.start();
        try {
            assertThat(enough.await(90, TimeUnit.SECONDS))
                    .as("child reported %d synced entries; first other output: %s", SYNCED_BEFORE_KILL, unexpected)
                    .isTrue();
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(child.exitValue()).isEqualTo(137); // 128 + SIGKILL: killed, not exited
        long synced = maxSynced.get();
        if (mode.equals("acked")) {
            checkAcked(synced);
            return;
        }

        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            assertThat(store.recover().queuedCounts().get("crash")).isGreaterThanOrEqualTo(synced);
            long expected = 1;
            long after = 0;
            while (expected <= synced) {
                List<QueueEntry> page = store.readQueue("crash", after, 1000);
                assertThat(page).as("entries after %d (synced up to %d)", after, synced).isNotEmpty();
                for (QueueEntry e : page) {
                    if (e.seq() <= synced) {
                        assertThat(e.seq()).isEqualTo(expected);
                        assertThat(e.messageId()).isEqualTo(expected);
                        expected++;
                    }
                }
                after = page.get(page.size() - 1).seq();
            }
            // format 3: a message written with its entry is inline in it, one stored on its own is shared
            assertThat(body(store, store.readQueue("crash", synced - 1, 1).get(0)).topic())
                    .isEqualTo("crash/" + synced);
            assertThat(body(store, store.readQueue("crash", 0, 1).get(0)).topic()).isEqualTo("crash/1");
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    private void checkAcked(long synced) throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            java.util.Set<Long> kept = new java.util.HashSet<>();
            long after = 0;
            for (List<QueueEntry> page = store.readQueue("crash", 0, 1000); !page.isEmpty();
                 page = store.readQueue("crash", after, 1000)) {
                for (QueueEntry e : page) {
                    assertThat(body(store, e).topic()).isEqualTo("crash/" + e.seq());
                    kept.add(e.seq());
                }
                after = page.get(page.size() - 1).seq();
            }
            for (long n = 2; n <= synced; n += 2) {
                assertThat(kept).as("unacknowledged entry %d (synced up to %d)", n, synced).contains(n);
            }
            assertThat(store.recover().queuedCounts().get("crash")).isEqualTo((long) kept.size());
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    private static io.tern.broker.store.StoredMessage body(RocksStore store, QueueEntry e) {
        return e.message() != null ? e.message() : store.message(e.messageId());
    }
}
