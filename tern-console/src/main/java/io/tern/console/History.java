package io.tern.console;

import io.tern.broker.BrokerStats;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The last hour of the broker's $SYS totals, one sample every {@link #INTERVAL_SECONDS} seconds, for the console's
 * charts (messages/s, connections, bytes/s): kept by the console from the moment the broker starts, so the charts
 * have a past when the page is opened.
 */
final class History {

    static final int INTERVAL_SECONDS = 10;
    static final int SAMPLES = 3600 / INTERVAL_SECONDS;

    /** One sample: totals since start (rates are differences between samples). */
    record Sample(long time, long messagesReceived, long messagesSent, long bytesReceived, long bytesSent,
                  int clientsConnected, long dropped) {
    }

    private final BrokerStats stats;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>(SAMPLES + 1);

    History(BrokerStats stats) {
        this.stats = stats;
    }

    synchronized void sample() {
        samples.addLast(now());
        while (samples.size() > SAMPLES) {
            samples.removeFirst();
        }
    }

    /** The kept samples and, last, the figures of this moment. */
    synchronized List<Sample> samples() {
        List<Sample> out = new ArrayList<>(samples);
        out.add(now());
        return out;
    }

    private Sample now() {
        return new Sample(System.currentTimeMillis(), stats.publishReceived.sum(), stats.publishSent.sum(),
                stats.bytesReceived.sum(), stats.bytesSent.sum(), stats.clientsConnected.get(),
                stats.publishDropped.sum());
    }
}
