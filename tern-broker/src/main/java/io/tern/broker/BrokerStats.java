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
