package io.tern.console;

import io.tern.broker.Message;
import io.tern.broker.TopicLevels;
import io.tern.broker.extension.MessageObserver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * "Why was my message not delivered?": bounded traces of what happens to the messages of one client id (as
 * publisher or subscriber) and/or one topic filter: received, ACL denial, no subscriber, dropped (queue full,
 * offline QoS 0, too large, read denied), expired, QoS downgraded, delivered, acknowledged.
 *
 * <p>A trace records at most {@code maxEvents} events and stops after its duration. Without an active trace an
 * event costs one volatile read of an empty array.
 */
final class Traces implements MessageObserver {

    static final int MAX_TRACES = 20;
    static final int MAX_EVENTS = 10_000;
    static final int MAX_SECONDS = 3600;

    /** One recorded event. */
    record Event(long time, String kind, String clientId, String topic, Integer qos, String detail) {
    }

    /** One trace and its events. */
    static final class Trace {
        final String id;
        final String clientId;
        final String filter;
        final int maxEvents;
        final long startedAt = System.currentTimeMillis();
        final long endsAt;
        final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
        final AtomicInteger count = new AtomicInteger();
        volatile boolean stopped;

        Trace(String id, String clientId, String filter, int maxEvents, int seconds) {
            this.id = id;
            this.clientId = clientId;
            this.filter = filter;
            this.maxEvents = maxEvents;
            this.endsAt = startedAt + seconds * 1000L;
        }

        boolean active(long now) {
            return !stopped && now < endsAt && count.get() < maxEvents;
        }

        String state() {
            long now = System.currentTimeMillis();
            return stopped ? "stopped" : count.get() >= maxEvents ? "full" : now >= endsAt ? "ended" : "running";
        }

        Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            if (clientId != null) {
                m.put("clientId", clientId);
            }
            if (filter != null) {
                m.put("filter", filter);
            }
            m.put("maxEvents", maxEvents);
            m.put("startedAt", startedAt);
            m.put("endsAt", endsAt);
            m.put("state", state());
            m.put("events", Math.min(count.get(), maxEvents));
            return m;
        }
    }

    private final Map<String, Trace> all = new LinkedHashMap<>();
    private volatile Trace[] active = new Trace[0];
    private final AtomicLong ids = new AtomicLong();

    synchronized Trace start(String clientId, String filter, int maxEvents, int seconds) {
        purge();
        if (all.size() >= MAX_TRACES) {
            throw ApiException.conflict("at most " + MAX_TRACES + " traces at a time; delete one first");
        }
        Trace t = new Trace(Long.toString(ids.incrementAndGet()), clientId, filter, maxEvents, seconds);
        all.put(t.id, t);
        refresh();
        return t;
    }

    synchronized Trace get(String id) {
        return all.get(id);
    }

    synchronized List<Trace> list() {
        purge();
        return new ArrayList<>(all.values());
    }

    synchronized boolean delete(String id) {
        Trace t = all.remove(id);
        if (t != null) {
            t.stopped = true;
            refresh();
        }
        return t != null;
    }

    /** Forgets traces that ended more than an hour ago, and drops ended ones from the active set. */
    private void purge() {
        long now = System.currentTimeMillis();
        all.values().removeIf(t -> now - t.endsAt > 3_600_000L);
        refresh();
    }

    private void refresh() {
        long now = System.currentTimeMillis();
        active = all.values().stream().filter(t -> t.active(now)).toArray(Trace[]::new);
    }

    // ---------------------------------------------------------------- events

    private void record(String kind, String clientId, String publisher, String topic, int qos, String detail) {
        Trace[] ts = active;
        if (ts.length == 0) {
            return;
        }
        long now = System.currentTimeMillis();
        boolean ended = false;
        for (Trace t : ts) {
            if (!t.active(now)) {
                ended = true;
                continue;
            }
            if (t.clientId != null && !t.clientId.equals(clientId) && !t.clientId.equals(publisher)) {
                continue;
            }
            if (t.filter != null && (topic == null || !TopicLevels.matches(t.filter, topic))) {
                continue;
            }
            if (t.count.incrementAndGet() <= t.maxEvents) {
                t.events.add(new Event(now, kind, clientId, topic, qos < 0 ? null : qos, detail));
            }
        }
        if (ended) {
            synchronized (this) {
                refresh();
            }
        }
    }

    @Override
    public void received(String clientId, String topic, int qos, int bytes) {
        if (active.length == 0) {
            return;
        }
        record("received", clientId, clientId, topic, qos, bytes + " bytes");
    }

    @Override
    public void publishDenied(String clientId, String username, String topic, int qos) {
        if (active.length == 0) {
            return;
        }
        record("acl_denied", clientId, clientId, topic, qos,
                "the ACL does not let " + (username == null ? "this client" : "user '" + username + "'")
                        + " publish to this topic");
    }

    @Override
    public void routed(Message m, int sessions) {
        if (sessions == 0 && active.length > 0) {
            record("no_subscriber", m.publisherId(), m.publisherId(), m.topic(), m.qos(), "no subscription matches this topic");
        }
    }

    @Override
    public void dropped(String clientId, Message m, Drop reason) {
        if (active.length == 0) {
            return;
        }
        String why = switch (reason) {
            case QUEUE_FULL -> "the subscriber's queue is full (max_queued_messages / max_queued_bytes)";
            case OFFLINE_QOS0 -> "QoS 0 message for an offline client (queue_qos0_messages is false)";
            case TOO_LARGE -> "larger than the subscriber's Maximum Packet Size";
            case ACL_READ_DENIED -> "the ACL does not let the subscriber read this topic";
        };
        record(reason == Drop.ACL_READ_DENIED ? "acl_denied" : "dropped", clientId, m.publisherId(), m.topic(),
                m.qos(), reason.name().toLowerCase(java.util.Locale.ROOT) + ": " + why);
    }

    @Override
    public void expired(String clientId, Message m) {
        if (active.length == 0) {
            return;
        }
        record("expired", clientId, m.publisherId(), m.topic(), m.qos(), "message expiry interval passed while queued");
    }

    @Override
    public void delivered(String clientId, Message m, int qos) {
        if (active.length == 0) {
            return;
        }
        if (qos < m.qos()) {
            record("qos_downgraded", clientId, m.publisherId(), m.topic(), qos,
                    "published at QoS " + m.qos() + ", subscription granted QoS " + qos);
        }
        record("delivered", clientId, m.publisherId(), m.topic(), qos, null);
    }

    @Override
    public void acknowledged(String clientId, Message m, int qos) {
        if (active.length == 0) {
            return;
        }
        record("acknowledged", clientId, m.publisherId(), m.topic(), qos, qos == 1 ? "PUBACK" : "PUBCOMP");
    }
}
