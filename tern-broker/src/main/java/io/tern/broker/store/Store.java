package io.tern.broker.store;

import java.util.List;

/**
 * Durable storage behind the broker (persistence true). The broker keeps its working state in memory and
 * tells the store every change that must survive a crash; at start it rebuilds itself from
 * {@link #recover()}. With persistence off the broker uses no store at all.
 *
 * <p>Thread-safety: every method may be called from any event loop concurrently. Writes are applied in
 * call order per client id. Writes need not be durable when the method returns: {@link #sync(Runnable)}
 * says when they are (group commit), and the broker acknowledges a QoS 1/2 PUBLISH (PUBACK/PUBREC) only
 * from that callback.
 *
 * <p>Messages shared by many queues are stored once ({@link #putMessage}) and referenced by queue entries;
 * the store deletes a message when its last queue entry is removed (and it is not retained).
 */
public interface Store extends AutoCloseable {

    /**
     * Reads everything back at start-up: sessions with subscriptions, inbound QoS 2 packet ids, retained
     * messages, and the number of queued entries per session (the entries themselves are paged with
     * {@link #readQueue}, so a million offline messages do not have to fit on the heap).
     *
     * @throws StoreException when the store cannot be opened or read (the message says what to do)
     */
    Recovered recover() throws StoreException;

    /** Stores a message body under a broker-assigned id (unique for the life of the store). */
    void putMessage(long messageId, StoredMessage message);

    /**
     * Stores a message body and its first queue entry in one atomic write: a publish to one durable session
     * costs one write instead of two (a store may keep the body in the entry itself, see
     * {@link QueueEntry#message()}). Later entries for the same message go through {@link #enqueue}, on the
     * same thread and before the next message is stored.
     */
    default void putMessageAndEnqueue(long messageId, StoredMessage message, String clientId, QueueEntry entry) {
        putMessage(messageId, message);
        enqueue(clientId, entry);
    }

    /**
     * Appends an entry to a session's queue. {@code seq} increases per client id; entries are read back
     * in {@code seq} order.
     */
    void enqueue(String clientId, QueueEntry entry);

    /** Records the packet id an entry was sent with, so a resend after restart reuses it. */
    void markSent(String clientId, long seq, int packetId);

    /** Records that PUBREC arrived for a QoS 2 entry: after restart PUBREL is resent, not PUBLISH. */
    void markReleased(String clientId, long seq);

    /** Removes a completed (or dropped, or expired) entry; its message goes when no entry refers to it. */
    void dequeue(String clientId, long seq);

    /** Up to {@code max} entries of a client's queue with sequence greater than {@code afterSeq}, in order. */
    List<QueueEntry> readQueue(String clientId, long afterSeq, int max);

    /**
     * Reads a message body by id, or null when it is gone, or when the store keeps it in its queue entry
     * ({@link #readQueue} returns it there).
     */
    StoredMessage message(long messageId);

    /** Remembers an inbound QoS 2 packet id until its PUBREL, so a resent PUBLISH is not routed twice. */
    void addInboundQos2(String clientId, int packetId);

    void removeInboundQos2(String clientId, int packetId);

    /** Creates or replaces a session's record (expiry, subscriptions, ...). */
    void putSession(StoredSession session);

    /** Deletes a session with its queue and inbound packet ids. */
    void removeSession(String clientId);

    /** Stores the retained message of its topic, replacing any earlier one. */
    void putRetained(StoredMessage message);

    void removeRetained(String topic);

    /** Stores the broker's running totals (what {@code $SYS} reports as totals), so they go on after a restart. */
    void putCounters(java.util.Map<String, Long> counters);

    /** The totals last stored with {@link #putCounters}, empty when none. */
    java.util.Map<String, Long> counters();

    /**
     * Calls {@code onDurable} (on a store thread) once every write made before this call is durable under
     * the configured {@code persistence_sync} policy: {@code always} and {@code batch} fsync (batch groups
     * concurrent callers into one fsync), {@code none} calls back at once.
     */
    void sync(Runnable onDurable);

    /**
     * As {@link #sync}, and the packet ids of sends recorded by {@link #markSent} before this call are durable
     * too. {@link #sync} may leave such a record for a later commit (a store may hold it briefly so that a prompt
     * acknowledgement cancels it; a crash in between resends the message under a fresh packet id), which a
     * caller that acts on the packet id beyond this broker cannot allow: a bridge forwarding a delivery under
     * it to a remote broker, which dedupes QoS 2 by that id.
     */
    default void syncWithPacketIds(Runnable onDurable) {
        sync(onDurable);
    }

    /**
     * What the store measures about itself (for example its group commit's batches and sync latency), by name
     * under {@code $SYS/broker/store/}; empty when it measures nothing. Cheap: read every {@code sys_interval}.
     */
    default java.util.Map<String, String> statistics() {
        return java.util.Map.of();
    }

    /** Flushes and closes; later calls fail. */
    @Override
    void close();
}
