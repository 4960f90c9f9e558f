package io.tern.bench;

import org.HdrHistogram.Recorder;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Run-wide counters, written by every connection's event loop. {@link LongAdder} and HdrHistogram's
 * {@link Recorder} keep the writers from contending with each other or with the once-a-second reader.
 */
final class Counters {

    /** Latencies above this are recorded as this (a minute is already a broken run). */
    static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int MAX_ERRORS = 20;

    final LongAdder sent = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder distinct = new LongAdder();
    final LongAdder foreign = new LongAdder();
    final LongAdder connected = new LongAdder();
    final LongAdder connectFailed = new LongAdder();
    final LongAdder droppedByBroker = new LongAdder();
    final Recorder latency = new Recorder(MAX_LATENCY_NANOS, 3);
    volatile long lastReceiveNanos;
    /** When the run's first PUBLISH was written, 0 before: the rate's clock starts here. */
    final java.util.concurrent.atomic.AtomicLong firstSendNanos = new java.util.concurrent.atomic.AtomicLong();

    private final Queue<String> errors = new ConcurrentLinkedQueue<>();
    private final AtomicInteger errorCount = new AtomicInteger();

    /** Keeps the first few distinct problems for the report; counts them all. */
    void error(String message) {
        if (errorCount.incrementAndGet() <= MAX_ERRORS) {
            errors.add(message);
        }
    }

    int errorCount() { return errorCount.get(); }

    java.util.List<String> errors() { return java.util.List.copyOf(errors); }

    void firstSend(long nanos) {
        if (firstSendNanos.get() == 0) {
            firstSendNanos.compareAndSet(0, nanos);
        }
    }

    void latency(long nanos) {
        latency.recordValue(Math.min(Math.max(0, nanos), MAX_LATENCY_NANOS));
    }
}
