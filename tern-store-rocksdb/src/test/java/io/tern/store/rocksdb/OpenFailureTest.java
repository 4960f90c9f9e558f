package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.StoreException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every way a store can fail to open ends in a StoreException naming the directory and a way out, never a reset. */
class OpenFailureTest {

    @TempDir
    Path dir;

    @Test
    void unknownFormatVersionIsRefusedAndTheDataKept() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putSession(Fixtures.session("c"));
            store.db().put(store.meta, Keys.FORMAT_VERSION, Keys.int32(99));
        }
        assertThatThrownBy(() -> RocksStore.open(dir, PersistenceSync.NONE))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("format version 99")
                .hasMessageContaining("reads format version " + RecordFormat.VERSION)
                .hasMessageContaining("remove the directory to start empty, losing stored messages");
        // the refusal released the lock and changed nothing: put the version back and the session is there
        try (RawDb raw = new RawDb(dir)) {
            raw.db.put(raw.family(RocksStore.CF_META), Keys.FORMAT_VERSION, Keys.int32(RecordFormat.VERSION));
        }
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            assertThat(store.recover().sessions()).hasSize(1);
        }
    }

    @Test
    void directoryWithOtherFilesIsNotTakenOver() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not a database");
        assertThatThrownBy(() -> RocksStore.open(dir, PersistenceSync.NONE))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("not a Tern store")
                .hasMessageContaining("remove the directory to start empty");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(dir.resolve("notes.txt"));
        }
    }

    @Test
    void garbageManifestIsReportedAsCorruptionWithWhatToDo() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putSession(Fixtures.session("c"));
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("MANIFEST")).toList()) {
                Files.write(p, garbage(4096));
            }
        }
        assertThatThrownBy(() -> RocksStore.open(dir, PersistenceSync.NONE))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("tern --check-store " + dir)
                .hasMessageContaining("tern --repair-store " + dir)
                .hasMessageContaining("remove the directory to start empty, losing stored messages");
    }

    @Test
    void garbageTableFileIsReportedAsCorruption() throws Exception {
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
            store.putSession(Fixtures.session("c"));
        } // close flushes the memtables into .sst files
        List<Path> tables;
        try (Stream<Path> files = Files.list(dir)) {
            tables = files.filter(f -> f.toString().endsWith(".sst")).toList();
        }
        assertThat(tables).isNotEmpty();
        for (Path p : tables) {
            Files.write(p, garbage((int) Files.size(p)));
        }
        assertThatThrownBy(() -> {
            try (RocksStore store = RocksStore.open(dir, PersistenceSync.NONE)) {
                store.recover();
            }
        }).isInstanceOf(StoreException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("corrupt")
                .hasMessageContaining("tern --repair-store");
    }

    @Test
    void storeLockedByAnotherInstanceIsRefused() throws Exception {
        try (RocksStore first = RocksStore.open(dir, PersistenceSync.BATCH)) {
            first.putSession(Fixtures.session("c"));
            assertThatThrownBy(() -> RocksStore.open(dir, PersistenceSync.BATCH))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("is in use")
                    .hasMessageContaining("LOCK")
                    .hasMessageContaining("Stop the other broker");
            // the failed second open did not disturb the first
            first.putSession(Fixtures.session("d"));
            assertThat(first.recover().sessions()).hasSize(2);
        }
    }

    @Test
    void foreignRocksDbIsNotATernStore() throws Exception {
        try (Options o = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(o, dir.toString())) {
            db.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
        }
        assertThatThrownBy(() -> RocksStore.open(dir, PersistenceSync.NONE))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("not a Tern store");
    }

    @Test
    void regularFileIsNotADirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> RocksStore.open(file, PersistenceSync.NONE))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a directory");
    }

    @Test
    void unreadableDirectoryNamesThePermissionProblem() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "running as root: file permissions do not apply, permission-denied test skipped");
        Path store = dir.resolve("store");
        try (RocksStore s = RocksStore.open(store, PersistenceSync.NONE)) {
            s.putSession(Fixtures.session("c"));
        }
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("---------"));
        try {
            assertThatThrownBy(() -> RocksStore.open(store, PersistenceSync.NONE))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(store.toString())
                    .hasMessageContaining("permission denied");
        } finally {
            Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwx------"));
        }
    }

    private static byte[] garbage(int n) {
        byte[] b = new byte[Math.max(n, 64)];
        new Random(42).nextBytes(b);
        return b;
    }
}
