package io.tern.broker;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * Flow control towards publishers, on a {@link Session}'s fields: when a connected subscriber's queue passes its
 * high-water mark, the publishers feeding it pause reading until it drains below the low-water mark, so fan-in
 * does not outrun a slow subscriber and lose messages. A subscriber that makes no progress for
 * {@link #STALL_NANOS} stops throttling anyone: it cannot hold every publisher hostage, and its queue limits
 * apply instead.
 *
 * <p>Deliveries handed over from publishers on other event loops and still waiting in the session loop's task
 * queue ({@link Session#inTransit}) are work the backlog does not show yet. Without counting them, a publisher on
 * another loop could hand over far more than the queue limits before the session noticed it was congested (and
 * drop QoS 1 messages of a subscriber that reads fine but later).
 *
 * <p>The state is plain fields of the session updated through field updaters, and the queue of paused publishers
 * is made by the first pause: an idle session carries no atomic objects and no queue.
 */
final class PublisherFlow {

    static final long STALL_NANOS = 1_000_000_000L;

    static final AtomicIntegerFieldUpdater<Session> IN_TRANSIT =
            AtomicIntegerFieldUpdater.newUpdater(Session.class, "inTransit");
    static final AtomicLongFieldUpdater<Session> DURABLE =
            AtomicLongFieldUpdater.newUpdater(Session.class, "durableCount");
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<Session, ConcurrentLinkedQueue> PAUSED =
            AtomicReferenceFieldUpdater.newUpdater(Session.class, ConcurrentLinkedQueue.class, "pausedPublishers");

    private PublisherFlow() {
    }

    static int highWater(Session s) {
        int max = s.broker.settings().maxQueuedMessages();
        return max > 0 ? Math.max(16, Math.min(max / 2, 10_000)) : 10_000;
    }

    private static int transitLimit(Session s) {
        return Math.max(16, highWater(s) / 4);
    }

    /** Whether publishers to {@code s} should slow down now; safe from any thread. */
    static boolean throttles(Session s) {
        return (s.congested || s.inTransit >= transitLimit(s))
                && System.nanoTime() - s.lastProgressNanos < STALL_NANOS;
    }

    /** Pauses a publisher's connection until {@code s} drains; call on the publisher's loop. */
    static void throttle(Session s, Connection publisher) {
        if (publisher.pauseReading()) {
            ConcurrentLinkedQueue<Connection> q = s.pausedPublishers;
            if (q == null) {
                PAUSED.compareAndSet(s, null, new ConcurrentLinkedQueue<Connection>());
                q = s.pausedPublishers;
            }
            q.add(publisher);
            if (!s.congested && s.inTransit < transitLimit(s)) {
                resumePublishers(s); // drained meanwhile
            }
        }
    }

    /** After a delivery handed over from another loop ran on the session's loop. */
    static void delivered(Session s) {
        ConcurrentLinkedQueue<Connection> q = s.pausedPublishers;
        if (q != null && !q.isEmpty() && !s.congested && s.inTransit < transitLimit(s) / 2) {
            resumePublishers(s);
        }
    }

    static void resumePublishers(Session s) {
        ConcurrentLinkedQueue<Connection> q = s.pausedPublishers;
        Connection c;
        while (q != null && (c = q.poll()) != null) {
            Connection p = c;
            p.executor().execute(p::resumeReading);
        }
    }

    /** On the session's loop, after its queue grew or shrank. */
    static void checkCongestion(Session s) {
        // durable entries wait on disk rather than in the memory queue: they count as queued too
        long backlog = Math.max(s.queue.size(), s.durable ? s.durableCount - s.inflight.size() : 0);
        long maxBytes = s.broker.settings().maxQueuedBytes();
        if (!s.congested) {
            if (backlog >= highWater(s) || (maxBytes > 0 && s.queuedBytes >= maxBytes / 2)) {
                s.congested = true;
            }
        } else if (backlog <= highWater(s) / 2 && (maxBytes <= 0 || s.queuedBytes <= maxBytes / 4)) {
            s.congested = false;
            resumePublishers(s);
        }
    }
}
