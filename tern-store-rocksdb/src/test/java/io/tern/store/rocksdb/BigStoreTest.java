package io.tern.store.rocksdb;

import io.tern.broker.config.PersistenceSync;
import io.tern.broker.store.QueueEntry;
import io.tern.broker.store.Recovered;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Opt-in measurements ({@code -Dtern.bigtests=true}): a million offline queue entries stay on disk, not on the
 * heap; start-up with them is fast; enqueue+sync throughput per policy. Numbers are printed, never asserted
 * except the heap bound, which does not depend on timing.
 */
@Tag("big")
@EnabledIfSystemProperty(named = "tern.bigtests", matches = "true")
class BigStoreTest {

    private static final int CLIENTS = 1_000;
    private static final int PER_CLIENT = 1_000;
    private static final int FAN_OUT = 10;

    @TempDir
    Path dir;

    @Test
    void millionOfflineEntriesKeepTheHeapSmallAndStartUpFast() throws Exception {
        long t0 = System.nanoTime();
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            byte[] payload = new byte[100];
            long messageId = 0;
            // each message goes to FAN_OUT clients, as a publish to a topic with several offline subscribers
            for (int seq = 1; seq <= PER_CLIENT; seq++) {
                for (int group = 0; group < CLIENTS / FAN_OUT; group++) {
                    messageId++;
                    store.putMessage(messageId, new io.tern.broker.store.StoredMessage("big/" + group, payload, 1,
                            false, io.tern.codec.Properties.EMPTY, "pub", Long.MAX_VALUE));
                    for (int k = 0; k < FAN_OUT; k++) {
                        store.enqueue("client-" + (group * FAN_OUT + k), Fixtures.entry(seq, messageId));
                    }
                }
                if (seq % 50 == 0) {
                    CountDownLatch synced = new CountDownLatch(1);
                    store.sync(synced::countDown);
                    assertThat(synced.await(60, TimeUnit.SECONDS)).isTrue();
                }
            }
            long written = System.nanoTime() - t0;
            long heap = usedHeapAfterGc();
            System.out.printf("[big] wrote %,d entries (%,d messages) in %.1f s (%,.0f entries/s); used heap after"
                            + " GC %.1f MB; RSS %s; store on disk %.1f MB%n", (long) CLIENTS * PER_CLIENT, messageId,
                    written / 1e9, CLIENTS * (double) PER_CLIENT / (written / 1e9), heap / 1e6, rss(),
                    diskSize(dir) / 1e6);
            assertThat(heap).as("used heap after GC with 1M queued entries").isLessThan(64L << 20);
        }

        long o0 = System.nanoTime();
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            long opened = System.nanoTime() - o0;
            Recovered r = store.recover();
            long recovered = System.nanoTime() - o0;
            long total = r.queuedCounts().values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("[big] start-up with %,d queued entries: open %.0f ms, open+recover %.0f ms%n",
                    total, opened / 1e6, recovered / 1e6);
            assertThat(total).isEqualTo((long) CLIENTS * PER_CLIENT);
            assertThat(r.lastSeq()).hasSize(CLIENTS).containsEntry("client-7", (long) PER_CLIENT);

            // one client's whole queue, paged, in order
            long p0 = System.nanoTime();
            long after = 0;
            int read = 0;
            for (List<QueueEntry> page = store.readQueue("client-7", after, 100); !page.isEmpty();
                 page = store.readQueue("client-7", after, 100)) {
                assertThat(page.get(0).seq()).isEqualTo(after + 1);
                read += page.size();
                after = page.get(page.size() - 1).seq();
            }
            assertThat(read).isEqualTo(PER_CLIENT);
            System.out.printf("[big] paged one client's %d entries in %.1f ms; heap after GC %.1f MB%n", read,
                    (System.nanoTime() - p0) / 1e6, usedHeapAfterGc() / 1e6);
        }
        long c0 = System.nanoTime();
        String report = RocksStore.check(dir);
        System.out.printf("[big] check took %.1f s%n", (System.nanoTime() - c0) / 1e9);
        assertThat(report).endsWith("OK: the store is consistent");
    }

    @Test
    void startUpAfterKill9WithAMillionEntriesInTheLog() throws Exception {
        int n = 1_000_000;
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), dir.toString(), "BATCH", Integer.toString(n))
                .redirectErrorStream(true).start();
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            long w0 = System.nanoTime();
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.startsWith("written"));
            assertThat(line).isEqualTo("written " + n);
            System.out.printf("[big] child wrote %,d entries in %.1f s%n", n, (System.nanoTime() - w0) / 1e9);
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        long o0 = System.nanoTime();
        try (RocksStore store = RocksStore.open(dir, PersistenceSync.BATCH)) {
            long opened = System.nanoTime() - o0;
            Recovered r = store.recover();
            long total = r.queuedCounts().values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("[big] start-up after kill -9 with %,d entries (WAL replay): open %.0f ms,"
                    + " open+recover %.0f ms%n", total, opened / 1e6, (System.nanoTime() - o0) / 1e6);
            assertThat(total).isEqualTo(n);
        }
        assertThat(RocksStore.check(dir)).endsWith("OK: the store is consistent");
    }

    @Test
    void enqueuePlusSyncThroughputPerPolicy() throws Exception {
        for (PersistenceSync policy : new PersistenceSync[] {PersistenceSync.BATCH, PersistenceSync.ALWAYS,
                PersistenceSync.NONE}) {
            for (int threads : new int[] {1, 16}) {
                Path d = dir.resolve(policy.configName() + "-" + threads);
                try (RocksStore store = RocksStore.open(d, policy)) {
                    double rate = measure(store, threads, 2_000_000_000L, 200_000);
                    long[] gc = store.groupCommitCounts();
                    System.out.printf("[big] %-6s %2d thread(s): %,8.0f entries/s (put+enqueue, then wait for sync)%s%n",
                            policy.configName(), threads, rate,
                            gc[0] == 0 ? "" : String.format("; %,d fsyncs for %,d callbacks (%.1f per fsync)",
                                    gc[0], gc[1], gc[1] / (double) gc[0]));
                }
            }
        }
    }

    /** Threads each loop putMessage + enqueue + sync-and-wait, bounded in time and count; returns entries/s. */
    private static double measure(RocksStore store, int threads, long nanos, int maxPerThread) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong ids = new AtomicLong();
        AtomicLong done = new AtomicLong();
        byte[] payload = new byte[100];
        long start = System.nanoTime();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String client = "c" + t;
                fs.add(pool.submit(() -> {
                    for (int i = 1; i <= maxPerThread && System.nanoTime() - start < nanos; i++) {
                        long id = ids.incrementAndGet();
                        store.putMessage(id, new io.tern.broker.store.StoredMessage("t", payload, 1, false,
                                io.tern.codec.Properties.EMPTY, client, Long.MAX_VALUE));
                        store.enqueue(client, Fixtures.entry(i, id));
                        CountDownLatch l = new CountDownLatch(1);
                        store.sync(l::countDown);
                        if (!l.await(30, TimeUnit.SECONDS)) {
                            throw new AssertionError("sync not called back");
                        }
                        done.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50); // let the collector settle between measurements; not synchronisation
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    private static String rss() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
                    .map(l -> l.replaceAll("\\s+", " ")).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static long diskSize(Path d) throws IOException {
        try (var files = Files.walk(d)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
