package io.tern.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.tern.broker.config.ClusterConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The measurement behind what Tern does not back up in Hazelcast (docs/DESIGN.md "Cluster"): the cost of a
 * synchronous IMap copy (one backup) per queued QoS 1 message of a persistent session, one at a time as a PUBACK
 * would wait for it, and batched per forwarded frame (putAll of 512). Two members in one JVM on loopback, 100-byte
 * values keyed "client|sequence". Run on request:
 * {@code mvn -pl tern-cluster -am test -Dtest=QueueBackupBench -Dtern.bench=true -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "tern.bench", matches = "true")
class QueueBackupBench {

    static final int VALUE = 100;
    static final int SINGLE = 20_000;
    static final int BATCH = 512;
    static final int BATCHES = 400;
    static final int PIPELINE = 64;

    @Test
    void imapWithOneBackupPerQueuedMessage() throws Exception {
        System.setProperty("hazelcast.wait.seconds.before.join", "0");
        String name = "bench-" + System.nanoTime();
        int p1 = TestCluster.freePort();
        int p2 = TestCluster.freePort();
        HazelcastInstance a = Hazelcast.newHazelcastInstance(config(name, p1, p2, "a"));
        HazelcastInstance b = Hazelcast.newHazelcastInstance(config(name, p2, p1, "b"));
        try {
            IMap<String, byte[]> map = a.getMap("tern.queues");
            byte[] v = new byte[VALUE];
            for (int round = 0; round < 2; round++) {
                map.clear();
                long[] lat = new long[SINGLE];
                long t0 = System.nanoTime();
                for (int i = 0; i < SINGLE; i++) {
                    long s = System.nanoTime();
                    map.set("c" + (i % 100) + "|" + round + "|" + i, v);
                    lat[i] = System.nanoTime() - s;
                }
                double single = SINGLE / ((System.nanoTime() - t0) / 1e9);
                Arrays.sort(lat);

                t0 = System.nanoTime();
                CompletableFuture<?>[] inFlight = new CompletableFuture<?>[PIPELINE];
                for (int i = 0; i < SINGLE; i++) {
                    int slot = i % PIPELINE;
                    if (inFlight[slot] != null) {
                        inFlight[slot].get(30, TimeUnit.SECONDS);
                    }
                    inFlight[slot] = map.setAsync("p" + (i % 100) + "|" + round + "|" + i, v).toCompletableFuture();
                }
                CompletableFuture.allOf(Arrays.stream(inFlight).filter(f -> f != null)
                        .toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                double pipelined = SINGLE / ((System.nanoTime() - t0) / 1e9);

                t0 = System.nanoTime();
                for (int k = 0; k < BATCHES; k++) {
                    Map<String, byte[]> batch = new HashMap<>(BATCH * 2);
                    for (int i = 0; i < BATCH; i++) {
                        batch.put("b" + (i % 100) + "|" + round + "|" + k + "|" + i, v);
                    }
                    map.putAll(batch);
                }
                double batched = (double) BATCHES * BATCH / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("IMap, 1 backup: set one at a time %,.0f msg/s (p50 %d us, p99 %d us);"
                                + " 64 setAsync in flight %,.0f msg/s; putAll of %d %,.0f msg/s; heap used %d MB%n",
                        single, lat[SINGLE / 2] / 1000, lat[SINGLE * 99 / 100] / 1000, pipelined, BATCH, batched,
                        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
            }
        } finally {
            b.shutdown();
            a.shutdown();
        }
    }

    private static Config config(String name, int port, int other, String id) {
        Config c = HazelcastSetup.config(new ClusterConfig().name(name).port(port).bindAddress("127.0.0.1")
                .addMember("127.0.0.1", other).backupCount(1), id);
        c.addMapConfig(new MapConfig("tern.queues").setBackupCount(1));
        return c;
    }
}
