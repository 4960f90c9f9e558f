package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Store faults at start: kill -9 during a burst of session changes and during compaction, and files cut short.
 * Whatever was reported durable is there after the restart; a damaged file is named, and
 * {@code --check-store} / {@code --repair-store} say what they kept.
 */
class StoreFaultTest {

    @TempDir
    Path dir;

    @Test
    void kill9DuringABurstOfSessionChangesKeepsEverySyncedChange() throws Exception {
        long synced = runAndKill("sessions", 2_000);
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            List<Long> ids = store.recover().sessions().stream()
                    .map(s -> Long.parseLong(s.clientId().substring("burst-".length()))).sorted().toList();
            // the writer keeps sessions i-49..i and removes i-50 as it goes, and went on after the last line
            // read: what is there is one window without a gap, ending at or after the last change reported synced
            long last = ids.get(ids.size() - 1);
            assertThat(last).isGreaterThanOrEqualTo(synced);
            assertThat(ids).hasSizeBetween(50, 51);
            for (int k = 0; k < ids.size(); k++) {
                assertThat(ids.get(k)).isEqualTo(last - ids.size() + 1 + k);
            }
        }
        assertThat(lastLine(RocksStore.check(dir))).startsWith("OK");
    }

    @Test
    void kill9DuringCompactionKeepsEverySyncedEntry() throws Exception {
        long synced = runAndKill("compaction", 20_000);
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            assertThat(store.readQueue("compact", 0, Integer.MAX_VALUE).size()).isGreaterThanOrEqualTo((int) synced);
        }
        assertThat(lastLine(RocksStore.check(dir))).startsWith("OK");
    }

    @Test
    void aDamagedDataBlockIsNamedAndRepairKeepsEveryOtherRecord() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            for (int i = 0; i < 2000; i++) {
                store.putSession(Fixtures.session("s" + i));
            }
            for (int i = 0; i < 20; i++) {
                store.putRetained(Fixtures.message("r/" + i, "v" + i));
            }
        } // close flushes the memtables into .sst files
        Path table = tableOf(dir, RocksStore.CF_SESSIONS);
        flipBytes(table, Files.size(table) / 2, 16); // in the middle of a data block, far from the index
        String check = RocksStore.check(dir);
        assertThat(check).contains("table file " + table.getFileName() + " is damaged").contains("PROBLEMS:")
                .contains("tern --repair-store");

        String repair = RocksStore.repair(dir);
        assertThat(repair).contains("table file " + table.getFileName() + " (sessions)")
                .contains("in its damaged block(s) lost").contains("kept:").contains("damaged store is kept in")
                .contains("OK: nothing to repair") // the rebuilt store's counts are right from the start
                .endsWith("OK: the store is consistent");
        int sessions;
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            var recovered = store.recover();
            sessions = recovered.sessions().size();
            assertThat(recovered.retained()).hasSize(20);
        }
        // one 4 kB block of about 70 sessions is lost, every other session is kept
        assertThat(sessions).isBetween(1800, 1999);
        assertThat(repair).contains("lost:    " + (2000 - sessions) + " record(s)");
        assertThat(lastLine(RocksStore.check(dir))).startsWith("OK");
    }

    @Test
    void aDeletedManifestIsNamedAndRepairRebuildsTheStoreFromItsTablesAndLogs() throws Exception {
        long synced = runAndKill("sessions", 500); // the changes are in the write-ahead log
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            for (int i = 0; i < 30; i++) {
                store.putRetained(Fixtures.message("r/" + i, "v" + i)); // and these in a table file at close
            }
        }
        Path manifest = manifest(dir);
        Files.delete(manifest);
        assertThat(RocksStore.check(dir)).contains(manifest.getFileName() + " (named by CURRENT) is missing")
                .contains("PROBLEMS:");
        assertThatThrownBy(() -> RocksStore.open(dir, PersistenceSync.NONE).close())
                .isInstanceOf(StoreException.class);

        String repair = RocksStore.repair(dir);
        assertThat(repair).contains("damaged: " + manifest.getFileName()).contains("replayed")
                .endsWith("OK: the store is consistent");
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            var recovered = store.recover();
            assertThat(recovered.retained()).hasSize(30);
            List<Long> ids = recovered.sessions().stream()
                    .map(s -> Long.parseLong(s.clientId().substring("burst-".length()))).sorted().toList();
            // exactly what the kill left: one window of 50 or 51 sessions, ending at or after the last sync
            assertThat(ids).hasSizeBetween(50, 51);
            assertThat(ids.get(ids.size() - 1)).isGreaterThanOrEqualTo(synced);
            for (int k = 0; k < ids.size(); k++) {
                assertThat(ids.get(k)).isEqualTo(ids.get(0) + k);
            }
        }
    }

    @Test
    void aTruncatedManifestIsNamedAndRepaired() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            for (int i = 0; i < 200; i++) {
                store.putSession(Fixtures.session("t" + i));
            }
        }
        Path manifest = manifest(dir);
        try (FileChannel ch = FileChannel.open(manifest, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        assertThat(RocksStore.check(dir)).contains(manifest.getFileName() + " is damaged").contains("PROBLEMS:");
        String repair = RocksStore.repair(dir);
        assertThat(repair).endsWith("OK: the store is consistent");
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            assertThat(store.recover().sessions()).hasSize(200);
        }
    }

    /** The table file of one column family (the largest, when it has several). */
    static Path tableOf(Path dir, String family) throws Exception {
        Path best = null;
        try (Stream<Path> files = Files.list(dir); org.rocksdb.Options o = new org.rocksdb.Options()) {
            for (Path f : files.filter(p -> p.toString().endsWith(".sst")).toList()) {
                try (org.rocksdb.SstFileReader r = new org.rocksdb.SstFileReader(o)) {
                    r.open(f.toString());
                    String cf = new String(r.getTableProperties().getColumnFamilyName(), StandardCharsets.UTF_8);
                    if (cf.equals(family) && (best == null || size(f) > size(best))) {
                        best = f;
                    }
                }
            }
        }
        assertThat(best).as("a table file of " + family).isNotNull();
        return best;
    }

    static void flipBytes(Path file, long at, int n) throws java.io.IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(n);
            ch.read(b, at);
            for (int i = 0; i < n; i++) {
                b.put(i, (byte) ~b.get(i));
            }
            b.rewind();
            ch.write(b, at);
        }
    }

    static Path manifest(Path dir) throws java.io.IOException {
        return dir.resolve(Files.readString(dir.resolve("CURRENT"), StandardCharsets.UTF_8).strip());
    }

    @Test
    void truncatedTableFileIsNamedAtStartAndCheckReportsIt() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            for (int i = 0; i < 200; i++) {
                store.putSession(Fixtures.session("t" + i));
            }
        } // close flushes the memtables into .sst files
        Path table;
        try (Stream<Path> files = Files.list(dir)) {
            table = files.filter(f -> f.toString().endsWith(".sst")).max((a, b) -> Long.compare(size(a), size(b)))
                    .orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(table, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        assertThatThrownBy(() -> {
            try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
                store.recover();
            }
        }).isInstanceOf(StoreException.class)
                .hasMessageContaining(table.getFileName().toString())
                .hasMessageContaining("tern --repair-store");
        assertThat(RocksStore.check(dir)).contains("table file " + table.getFileName() + " is damaged")
                .contains("PROBLEMS:");
    }

    @Test
    void truncatedWriteAheadLogTailIsRecoveredAndCounted() throws Exception {
        long synced = runAndKill("sessions", 500);
        Path log;
        try (Stream<Path> files = Files.list(dir)) {
            log = files.filter(f -> f.toString().endsWith(".log") && !f.getFileName().toString().startsWith("LOG"))
                    .max((a, b) -> Long.compare(size(a), size(b))).orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
            ch.truncate(Math.max(0, ch.size() - 100)); // a torn last write
        }
        String report = RocksStore.repair(dir);
        assertThat(report).contains("sessions");
        assertThat(lastLine(report)).startsWith("OK");
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            // all but the torn tail: the writer had at most a few changes in the last 100 bytes
            assertThat(store.recover().sessions().size()).isGreaterThan(0);
        }
        assertThat(synced).isPositive();
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static String lastLine(String report) {
        String[] lines = report.strip().split("\\R");
        return lines[lines.length - 1];
    }

    /** Runs {@link FaultWriter} in a child JVM until it reports {@code atLeast} synced changes, then kill -9. */
    private long runAndKill(String mode, long atLeast) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                FaultWriter.class.getName(), dir.toString(), mode).redirectErrorStream(true).start();
        long synced = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            for (String line = in.readLine(); line != null && System.nanoTime() < deadline; line = in.readLine()) {
                if (line.startsWith("synced ")) {
                    synced = Long.parseLong(line.substring(7));
                    if (synced >= atLeast && (!mode.equals("compaction") || compacting)) {
                        break;
                    }
                } else if (line.equals("compacting")) {
                    compacting = true;
                }
            }
        } finally {
            child.destroyForcibly(); // SIGKILL
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(synced).as("changes the writer reported durable").isGreaterThanOrEqualTo(atLeast);
        return synced;
    }

    private boolean compacting;
}
