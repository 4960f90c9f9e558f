package io.tern.broker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters behind $SYS and metrics. LongAdders so that counting never contends across event loops. */
public final class BrokerStats {

    public final LongAdder messagesReceived = new LongAdder();
    public final LongAdder messagesSent = new LongAdder();
    public final LongAdder publishReceived = new LongAdder();
    public final LongAdder publishSent = new LongAdder();
    public final LongAdder publishBytesReceived = new LongAdder();
    public final LongAdder publishBytesSent = new LongAdder();
    public final LongAdder publishDropped = new LongAdder();
    public final LongAdder bytesReceived = new LongAdder();
    public final LongAdder bytesSent = new LongAdder();
    public final LongAdder connections = new LongAdder();
    public final LongAdder sockets = new LongAdder();
    public final LongAdder clientsExpired = new LongAdder();
    public final AtomicInteger clientsConnected = new AtomicInteger();
    public final AtomicInteger clientsMaximum = new AtomicInteger();
    public final AtomicLong startedAtMillis = new AtomicLong(System.currentTimeMillis());

    /** The running totals by name, as stored with persistence on. */
    java.util.Map<String, Long> totals() {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("messages/received", messagesReceived.sum());
        m.put("messages/sent", messagesSent.sum());
        m.put("publish/messages/received", publishReceived.sum());
        m.put("publish/messages/sent", publishSent.sum());
        m.put("publish/bytes/received", publishBytesReceived.sum());
        m.put("publish/bytes/sent", publishBytesSent.sum());
        m.put("publish/messages/dropped", publishDropped.sum());
        m.put("bytes/received", bytesReceived.sum());
        m.put("bytes/sent", bytesSent.sum());
        m.put("connections", connections.sum());
        m.put("sockets", sockets.sum());
        m.put("clients/expired", clientsExpired.sum());
        m.put("clients/maximum", (long) clientsMaximum.get());
        return m;
    }

    /** Continues from totals stored before a restart. */
    void restore(java.util.Map<String, Long> t) {
        messagesReceived.add(t.getOrDefault("messages/received", 0L));
        messagesSent.add(t.getOrDefault("messages/sent", 0L));
        publishReceived.add(t.getOrDefault("publish/messages/received", 0L));
        publishSent.add(t.getOrDefault("publish/messages/sent", 0L));
        publishBytesReceived.add(t.getOrDefault("publish/bytes/received", 0L));
        publishBytesSent.add(t.getOrDefault("publish/bytes/sent", 0L));
        publishDropped.add(t.getOrDefault("publish/messages/dropped", 0L));
        bytesReceived.add(t.getOrDefault("bytes/received", 0L));
        bytesSent.add(t.getOrDefault("bytes/sent", 0L));
        connections.add(t.getOrDefault("connections", 0L));
        sockets.add(t.getOrDefault("sockets", 0L));
        clientsExpired.add(t.getOrDefault("clients/expired", 0L));
        clientsMaximum.accumulateAndGet(t.getOrDefault("clients/maximum", 0L).intValue(), Math::max);
    }

    void messageSent(int payloadBytes) {
        publishSent.increment();
        publishBytesSent.add(payloadBytes);
    }

    void messageReceived(int payloadBytes) {
        publishReceived.increment();
        publishBytesReceived.add(payloadBytes);
    }

    void clientConnected() {
        int now = clientsConnected.incrementAndGet();
        clientsMaximum.accumulateAndGet(now, Math::max);
        connections.increment();
    }

    void clientDisconnected() {
        clientsConnected.decrementAndGet();
    }
}
