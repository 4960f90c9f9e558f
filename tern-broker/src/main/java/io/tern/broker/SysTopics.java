package io.tern.broker;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code $SYS/broker/...} tree with Mosquitto's topic names and meanings, published retained every
 * {@code sys_interval} seconds, each topic only when its value changed (as Mosquitto does).
 */
final class SysTopics {

    /** Exponentially weighted per-minute rates over 1, 5 and 15 minutes, like Mosquitto's load figures. */
    private static final class Load {
        final String name;
        long last;
        double m1;
        double m5;
        double m15;
        boolean primed;

        Load(String name) {
            this.name = name;
        }

        void update(long total, double intervalSeconds) {
            if (!primed) {
                last = total;
                primed = true;
                return;
            }
            double perMinute = (total - last) * 60.0 / intervalSeconds;
            last = total;
            m1 = ewma(m1, perMinute, intervalSeconds, 60);
            m5 = ewma(m5, perMinute, intervalSeconds, 300);
            m15 = ewma(m15, perMinute, intervalSeconds, 900);
        }

        private static double ewma(double prev, double value, double dt, double window) {
            double k = Math.exp(-dt / window);
            return value + k * (prev - value);
        }
    }

    private final Broker broker;
    private final Map<String, String> lastPublished = new HashMap<>();
    private final Load[] loads = {
        new Load("messages/received"), new Load("messages/sent"), new Load("publish/dropped"),
        new Load("publish/received"), new Load("publish/sent"), new Load("bytes/received"),
        new Load("bytes/sent"), new Load("sockets"), new Load("connections"),
    };
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private long lastRunNanos;

    SysTopics(Broker broker) {
        this.broker = broker;
    }

    void publishStatic() {
        put("$SYS/broker/version", "tern version " + Broker.version());
    }

    /** Publishes every dynamic value that changed; runs on one event loop at a time. */
    synchronized void publish() {
        BrokerStats s = broker.stats();
        Durability dur = broker.durability();
        if (dur != null) {
            dur.store().putCounters(s.totals()); // totals survive a crash to within one sys_interval
            for (java.util.Map.Entry<String, String> e : dur.store().statistics().entrySet()) {
                put("$SYS/broker/store/" + e.getKey(), e.getValue());
            }
        }
        long now = System.nanoTime();
        double interval = lastRunNanos == 0 ? 0 : (now - lastRunNanos) / 1e9;
        lastRunNanos = now;

        long uptime = (System.currentTimeMillis() - s.startedAtMillis.get()) / 1000;
        put("$SYS/broker/uptime", uptime + " seconds");

        int connected = s.clientsConnected.get();
        int total = broker.sessions().size();
        int disconnected = Math.max(0, total - connected);
        put("$SYS/broker/clients/total", total);
        put("$SYS/broker/clients/connected", connected);
        put("$SYS/broker/clients/active", connected);
        put("$SYS/broker/clients/disconnected", disconnected);
        put("$SYS/broker/clients/inactive", disconnected);
        put("$SYS/broker/clients/maximum", s.clientsMaximum.get());
        put("$SYS/broker/clients/expired", s.clientsExpired.sum());

        put("$SYS/broker/messages/received", s.messagesReceived.sum());
        put("$SYS/broker/messages/sent", s.messagesSent.sum());
        put("$SYS/broker/publish/messages/received", s.publishReceived.sum());
        put("$SYS/broker/publish/messages/sent", s.publishSent.sum());
        put("$SYS/broker/publish/messages/dropped", s.publishDropped.sum());
        put("$SYS/broker/publish/bytes/received", s.publishBytesReceived.sum());
        put("$SYS/broker/publish/bytes/sent", s.publishBytesSent.sum());
        put("$SYS/broker/bytes/received", s.bytesReceived.sum());
        put("$SYS/broker/bytes/sent", s.bytesSent.sum());

        put("$SYS/broker/subscriptions/count", broker.tree().size());
        put("$SYS/broker/retained messages/count", broker.retained().size());
        long stored = 0;
        for (Session session : broker.sessions().all()) {
            stored += session.queuedCount() + session.inflightCount();
        }
        put("$SYS/broker/messages/stored", stored + broker.retained().size());
        put("$SYS/broker/store/messages/count", stored + broker.retained().size());

        long heap = memory.getHeapMemoryUsage().getUsed();
        put("$SYS/broker/heap/current", heap);
        long max = memory.getHeapMemoryUsage().getMax();
        put("$SYS/broker/heap/maximum", max);

        long[] totals = {
            s.messagesReceived.sum(), s.messagesSent.sum(), s.publishDropped.sum(), s.publishReceived.sum(),
            s.publishSent.sum(), s.bytesReceived.sum(), s.bytesSent.sum(), s.sockets.sum(), s.connections.sum(),
        };
        for (int i = 0; i < loads.length; i++) {
            Load l = loads[i];
            boolean primed = l.primed;
            l.update(totals[i], interval);
            if (primed && interval > 0) {
                put("$SYS/broker/load/" + l.name + "/1min", format(l.m1));
                put("$SYS/broker/load/" + l.name + "/5min", format(l.m5));
                put("$SYS/broker/load/" + l.name + "/15min", format(l.m15));
            }
        }
    }

    private static String format(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }

    private void put(String topic, long value) {
        put(topic, Long.toString(value));
    }

    private void put(String topic, String value) {
        if (value.equals(lastPublished.put(topic, value))) {
            return;
        }
        broker.publish(Message.of(topic, value.getBytes(StandardCharsets.UTF_8), 0, true), null);
    }
}
