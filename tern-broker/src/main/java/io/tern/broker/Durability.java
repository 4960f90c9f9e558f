package io.tern.broker;

import io.tern.broker.store.QueueEntry;
import io.tern.broker.store.Store;
import io.tern.broker.store.StoredMessage;
import io.tern.broker.store.StoredSession;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The broker's side of persistence: what goes into the {@link Store} and when. QoS 1/2 deliveries to
 * persistent sessions get a durable queue entry on the publisher's thread, before the publisher is
 * acknowledged; the session pages its queue back from the store, so offline queues live on disk.
 */
final class Durability {

    private final Store store;
    private final AtomicLong nextMessageId;

    Durability(Store store, long nextMessageId) {
        this.store = store;
        this.nextMessageId = new AtomicLong(Math.max(1, nextMessageId));
    }

    Store store() { return store; }

    /** A fresh message id; the body is written with its first queue entry ({@link #enqueue}). */
    long reserveMessageId() {
        return nextMessageId.getAndIncrement();
    }

    /**
     * Appends a delivery to a session's durable queue, unless the queue is at {@code max_queued_messages}.
     *
     * @param body the message, to be written in the same batch as this entry when it is the message's first
     *             entry; null when an earlier entry already stored it
     * @return its sequence number, or 0 when the queue was full and the delivery dropped
     */
    long enqueue(Session s, long messageId, Message body, int qos, boolean retain, int[] subIds, int maxQueued) {
        synchronized (s.storeLock) {
            if (!s.durable()) {
                return 0; // discarded meanwhile: nothing may be written for it any more
            }
            if (maxQueued > 0 && s.durableCount() >= maxQueued + (long) s.sendQuota()) {
                return 0;
            }
            long seq = ++s.lastSeq;
            // written under the lock so that store order is sequence order: paging relies on it
            QueueEntry entry = new QueueEntry(seq, messageId, qos, retain, subIds == null ? new int[0] : subIds, 0,
                    false);
            if (body != null) {
                store.putMessageAndEnqueue(messageId, toStored(body), s.clientId(), entry);
            } else {
                store.enqueue(s.clientId(), entry);
            }
            s.addDurable(1);
            return seq;
        }
    }

    void dequeue(Session s, long seq) {
        store.dequeue(s.clientId(), seq);
        s.addDurable(-1);
    }

    /** Writes the session's durable part; call on its executor. */
    void saveSession(Session s, boolean connected) {
        List<StoredSession.StoredSubscription> subs = new ArrayList<>(s.subscriptions().size());
        for (var e : s.subscriptions().entrySet()) {
            Subscriber sub = e.getValue();
            subs.add(new StoredSession.StoredSubscription(e.getKey(), sub.qos(), sub.noLocal(),
                    sub.retainAsPublished(), sub.retainHandling(), sub.subscriptionId()));
        }
        store.putSession(new StoredSession(s.clientId(), s.version().level(), s.expirySeconds(),
                connected ? 0 : System.currentTimeMillis(), subs, s.inflight.lastAllocated()));
    }

    static StoredMessage toStored(Message m) {
        return toStored(m, null);
    }

    /** With the source of a retained message ({@code check_retain_source}), or null. */
    static StoredMessage toStored(Message m, StoredMessage.Source source) {
        long expiry = Long.MAX_VALUE;
        if (m.expiryNanos() != Long.MAX_VALUE) {
            expiry = System.currentTimeMillis() + (m.expiryNanos() - System.nanoTime()) / 1_000_000L;
        }
        return new StoredMessage(m.topic(), m.payload(), m.qos(), m.retain(), m.properties(), m.publisherId(), expiry,
                source);
    }

    static Message fromStored(StoredMessage m) {
        long now = System.nanoTime();
        long expiry = Long.MAX_VALUE;
        if (m.expiryEpochMillis() != Long.MAX_VALUE) {
            expiry = now + (m.expiryEpochMillis() - System.currentTimeMillis()) * 1_000_000L;
        }
        return new Message(m.topic(), m.payload(), m.qos(), m.retain(), m.properties(), m.publisherId(), now, expiry);
    }
}
