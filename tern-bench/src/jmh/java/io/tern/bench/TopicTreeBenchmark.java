package io.tern.bench;

import io.tern.broker.Subscriber;
import io.tern.broker.TopicLevels;
import io.tern.broker.TopicTree;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Topic matching against 100,000 subscriptions, as a broker with many devices sees it:
 * {@code site/<s>/device/<d>/<metric>} topics, with exact filters (one per device and metric) and a
 * wildcard mix ({@code site/<s>/device/+/<metric>}, {@code site/<s>/#}, {@code +/+/device/<d>/#}).
 *
 * <p>Subscribers carry a null session: {@link TopicTree} only compares sessions by identity (one
 * subscription per session and filter), and every filter here is distinct, so nothing is replaced.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TopicTreeBenchmark {

    static final int SUBSCRIPTIONS = 100_000;
    static final int SITES = 100;
    static final int DEVICES = 200;
    static final String[] METRICS = {"temp", "humidity", "power", "status", "rssi"};

    private final TopicTree exact = new TopicTree();
    private final TopicTree wildcard = new TopicTree();
    private String[][] topics;

    @Setup(Level.Trial)
    public void setUp() {
        int n = 0;
        outer:
        for (int s = 0; s < SITES; s++) {
            for (int d = 0; d < DEVICES; d++) {
                for (String m : METRICS) {
                    exact.subscribe(sub("site/" + s + "/device/" + d + "/" + m));
                    if (++n == SUBSCRIPTIONS) {
                        break outer;
                    }
                }
            }
        }
        // wildcards: 100 sites x 5 metrics "+" filters, 100 site "#" filters, 200 device filters with two
        // leading "+", then exact ones to fill up to 100k
        int w = 0;
        for (int s = 0; s < SITES; s++) {
            for (String m : METRICS) {
                wildcard.subscribe(sub("site/" + s + "/device/+/" + m));
                w++;
            }
            wildcard.subscribe(sub("site/" + s + "/#"));
            w++;
        }
        for (int d = 0; d < DEVICES; d++) {
            wildcard.subscribe(sub("+/+/device/" + d + "/#"));
            w++;
        }
        for (int i = 0; w < SUBSCRIPTIONS; i++, w++) {
            int s = i / (DEVICES * METRICS.length) % SITES;
            int d = i / METRICS.length % DEVICES;
            wildcard.subscribe(sub("site/" + s + "/device/" + d + "/" + METRICS[i % METRICS.length] + "/x" + i));
        }
        SplittableRandom r = new SplittableRandom(42);
        topics = new String[1024][];
        for (int i = 0; i < topics.length; i++) {
            topics[i] = TopicLevels.split("site/" + r.nextInt(SITES) + "/device/" + r.nextInt(DEVICES) + "/"
                    + METRICS[r.nextInt(METRICS.length)]);
        }
    }

    private static Subscriber sub(String filter) {
        return new Subscriber(null, filter, 1, false, false, 0, 0);
    }

    @State(Scope.Thread)
    public static class Cursor {
        int i;
        final List<Subscriber> out = new ArrayList<>();
    }

    /** One topic against 100k exact filters: one match. */
    @Benchmark
    public int matchExact(Cursor c) {
        c.out.clear();
        exact.match(topics[c.i++ & 1023], c.out);
        return c.out.size();
    }

    /** One topic against 100k filters with wildcards: three or four matches. */
    @Benchmark
    public int matchWildcard(Cursor c) {
        c.out.clear();
        wildcard.match(topics[c.i++ & 1023], c.out);
        return c.out.size();
    }

    /** Splitting the topic into levels, which every publish pays before matching. */
    @Benchmark
    public int split(Cursor c) {
        return TopicLevels.split("site/17/device/123/temp").length + (c.i++ & 1);
    }
}
