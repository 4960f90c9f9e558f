package io.tern.broker;

import io.tern.broker.config.PersistenceSync;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.store.rocksdb.RocksStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.SstFileReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store damaged while the broker was down (a table file with a bad data block, a lost MANIFEST):
 * {@code --check-store} names the file, {@code --repair-store} keeps every readable record, and the broker then
 * starts from the repaired store and serves the sessions, queued messages and retained messages it kept.
 */
class RepairedStoreTest {

    private static final int RETAINED = 300;

    @TempDir
    Path dir;

    @Test
    void aTableFileWithABadDataBlockIsRepairedAndTheBrokerServesWhatWasKept() throws Exception {
        fill();
        Path store = storeDir();
        Path table = tableOf(store, "retained");
        flipBytes(table, Files.size(table) / 2, 16); // the middle of a data block
        assertThat(RocksStore.check(store)).contains("table file " + table.getFileName() + " is damaged")
                .contains("PROBLEMS:");
        String repair = RocksStore.repair(store);
        assertThat(repair).contains("in its damaged block(s) lost").endsWith("OK: the store is consistent");
        int kept = keptRetained(repair);
        assertThat(kept).as("one block of retained messages lost, the rest kept").isBetween(RETAINED - 100,
                RETAINED - 1);
        assertServed(kept);
    }

    @Test
    void aDeletedManifestIsRepairedAndTheBrokerServesEverything() throws Exception {
        fill();
        Path store = storeDir();
        Path manifest = store.resolve(Files.readString(store.resolve("CURRENT"), StandardCharsets.UTF_8).strip());
        Files.delete(manifest);
        assertThat(RocksStore.check(store)).contains(manifest.getFileName() + " (named by CURRENT) is missing");
        String repair = RocksStore.repair(store);
        assertThat(repair).endsWith("OK: the store is consistent");
        assertThat(keptRetained(repair)).isEqualTo(RETAINED);
        assertServed(RETAINED);
    }

    private TestBroker start() throws IOException {
        return TestBroker.start(c -> c.persistence(true).persistenceLocation(dir.toString())
                .persistenceFile("tern.db").persistenceSync(PersistenceSync.BATCH));
    }

    private Path storeDir() {
        return dir.resolve("tern.db.d").resolve("store");
    }

    /** A persistent session with one queued QoS 1 message, and 300 retained messages; then a clean stop. */
    private void fill() throws Exception {
        Random random = new Random(16);
        try (TestBroker broker = start()) {
            try (RawClient keeper = new RawClient(broker.port())) {
                keeper.connect("keeper", false, 60, null);
                keeper.subscribe(1, "queued/#");
            }
            try (RawClient pub = new RawClient(broker.port())) {
                pub.connect("filler");
                pub.send(new Packet.Publish("queued/x", 1, false, false, 1, utf8("for keeper"), Properties.EMPTY));
                assertThat(pub.next()).isInstanceOf(Packet.PubAck.class);
                for (int i = 0; i < RETAINED; i++) {
                    byte[] payload = new byte[100]; // incompressible: the table has many 4 kB blocks
                    random.nextBytes(payload);
                    pub.send(new Packet.Publish("r/" + i, 1, true, false, 2 + i, payload, Properties.EMPTY));
                    assertThat(pub.next()).isInstanceOf(Packet.PubAck.class);
                }
            }
        } // a clean stop flushes everything into table files
    }

    /** The broker starts from the repaired store: the session, its queued message, {@code retained} retained. */
    private void assertServed(int retained) throws Exception {
        try (TestBroker broker = start()) {
            try (RawClient keeper = new RawClient(broker.port())) {
                Packet.ConnAck ack = keeper.connect("keeper", false, 60, null);
                assertThat(ack.sessionPresent()).as("the kept session").isTrue();
                Packet.Publish queued = (Packet.Publish) keeper.next();
                assertThat(queued.topic()).isEqualTo("queued/x");
                assertThat(new String(queued.payload(), StandardCharsets.UTF_8)).isEqualTo("for keeper");
            }
            try (RawClient reader = new RawClient(broker.port())) {
                reader.connect("reader");
                reader.subscribe(1, "r/#");
                Set<String> topics = new HashSet<>();
                for (int i = 0; i < retained; i++) {
                    Packet.Publish p = (Packet.Publish) reader.next();
                    assertThat(p.retain()).isTrue();
                    topics.add(p.topic());
                    reader.send(new Packet.PubAck(p.packetId(), 0, Properties.EMPTY));
                }
                assertThat(topics).hasSize(retained);
                reader.send(Packet.PingReq.INSTANCE);
                assertThat(reader.next()).as("no more retained messages than were kept")
                        .isInstanceOf(Packet.PingResp.class);
            }
        }
    }

    /** The retained count on the report's "kept:" line. */
    private static int keptRetained(String report) {
        Matcher m = Pattern.compile("kept: .*?, (\\d+) retained").matcher(report);
        assertThat(m.find()).as("a kept line in " + report).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static Path tableOf(Path store, String family) throws Exception {
        Path best = null;
        try (Stream<Path> files = Files.list(store); Options o = new Options()) {
            for (Path f : files.filter(p -> p.toString().endsWith(".sst")).toList()) {
                try (SstFileReader r = new SstFileReader(o)) {
                    r.open(f.toString());
                    String cf = new String(r.getTableProperties().getColumnFamilyName(), StandardCharsets.UTF_8);
                    if (cf.equals(family) && (best == null || Files.size(f) > Files.size(best))) {
                        best = f;
                    }
                }
            }
        }
        assertThat(best).as("a table file of " + family).isNotNull();
        return best;
    }

    private static void flipBytes(Path file, long at, int n) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(n);
            ch.read(b, at);
            for (int i = 0; i < n; i++) {
                b.put(i, (byte) ~b.get(i));
            }
            b.rewind();
            ch.write(b, at);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
