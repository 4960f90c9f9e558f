package io.tern.bench;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * What one subscriber received, per publisher: which sequence numbers arrived, how many twice, how many
 * after a later one. A fast broker that drops, repeats or reorders messages shows up here, so it cannot win
 * on throughput alone.
 *
 * <ul>
 *   <li><b>duplicate</b>: a sequence number already received from that publisher;</li>
 *   <li><b>out of order</b>: a new sequence number lower than the highest already received from that
 *       publisher (each late message counts once);</li>
 *   <li><b>lost</b>: for each publisher, the messages it is owed that never arrived. It is owed
 *       {@code max(expected, highest received + 1)}: {@code expected} is what the publisher got accepted
 *       by the broker (everything sent at QoS 0, everything acknowledged at QoS 1/2); the highest received
 *       number covers messages sent but not yet acknowledged that still arrived, and gaps when the
 *       publisher is in another process.</li>
 * </ul>
 *
 * <p>Not thread-safe: one tracker belongs to one subscriber connection and is touched only on its event
 * loop (read it there, or after the connection's loop has quiesced).
 */
public final class SequenceTracker {

    /** Per-publisher state. */
    private static final class Source {
        final BitSet seen = new BitSet();
        long highest = -1;
        long distinct;
        long duplicates;
        long outOfOrder;
    }

    private final Map<Long, Source> sources = new HashMap<>();
    private long lastKey = Long.MIN_VALUE;
    private Source last;
    private long distinct;
    private long duplicates;
    private long outOfOrder;

    /** How a received message was classified. */
    public enum Outcome { NEW, OUT_OF_ORDER, DUPLICATE }

    /** A publisher's key: run id and publisher id in one long. */
    public static long key(int runId, int publisherId) {
        return (long) runId << 32 | (publisherId & 0xFFFFFFFFL);
    }

    /**
     * Records one received message.
     *
     * @param source a publisher's {@link #key(int, int)}
     * @param seq    its sequence number, from 0
     */
    public Outcome record(long source, long seq) {
        if (seq < 0 || seq > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sequence number out of range: " + seq);
        }
        Source s;
        if (source == lastKey) {
            s = last;
        } else {
            s = sources.computeIfAbsent(source, k -> new Source());
            lastKey = source;
            last = s;
        }
        int i = (int) seq;
        if (s.seen.get(i)) {
            s.duplicates++;
            duplicates++;
            return Outcome.DUPLICATE;
        }
        s.seen.set(i);
        s.distinct++;
        distinct++;
        if (seq < s.highest) {
            s.outOfOrder++;
            outOfOrder++;
            return Outcome.OUT_OF_ORDER;
        }
        s.highest = seq;
        return Outcome.NEW;
    }

    /** Distinct messages received (duplicates not counted). */
    public long distinct() { return distinct; }

    public long duplicates() { return duplicates; }

    public long outOfOrder() { return outOfOrder; }

    /** Distinct messages received from one publisher. */
    public long distinct(long source) {
        Source s = sources.get(source);
        return s == null ? 0 : s.distinct;
    }

    /**
     * Messages lost, over all publishers this subscriber should have heard from.
     *
     * @param expected for a publisher key, how many messages it got accepted by the broker; return -1 for a
     *                 publisher whose count is unknown (another process), which is then judged by its gaps
     * @param sourcesExpected the keys of the publishers this subscriber should hear from even if none of
     *                        their messages arrived
     */
    public long lost(LongUnaryOperator expected, long[] sourcesExpected) {
        long lost = 0;
        for (long key : sourcesExpected) {
            if (!sources.containsKey(key)) {
                lost += Math.max(0, expected.applyAsLong(key));
            }
        }
        for (Map.Entry<Long, Source> e : sources.entrySet()) {
            Source s = e.getValue();
            long owed = Math.max(expected.applyAsLong(e.getKey()), s.highest + 1);
            lost += owed - s.distinct;
        }
        return lost;
    }
}
