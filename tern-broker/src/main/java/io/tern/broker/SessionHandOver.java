package io.tern.broker;

import java.util.Iterator;

/**
 * A session's pending messages handed over elsewhere: to another member of a shared subscription's group when
 * the client leaves, and to and from another cluster node when the client moves there. Each runs on the
 * session's executor (see {@link Session}), never on the per-message path.
 */
final class SessionHandOver {

    private SessionHandOver() {
    }

    /**
     * Gives un-acknowledged and queued messages that came through a shared subscription to another member
     * of their group, so a member leaving does not hold them hostage (MQTT 5 4.8.2).
     */
    static void shared(Session s) {
        for (int id : s.inflight.ids()) {
            Session.Inflight f = s.inflight.get(id);
            Delivery d = f.delivery;
            // after PUBREC the message is the client's: only the PUBREL handshake is left
            if (d.group() != null && !f.released
                    && s.broker.router().deliverShared(d.group(), d.message(), null, s)) {
                s.inflight.remove(id);
                s.forget(d);
            }
        }
        Iterator<Delivery> q = s.queue.iterator();
        while (q.hasNext()) {
            Delivery d = q.next();
            if (d.group() != null && s.broker.router().deliverShared(d.group(), d.message(), null, s)) {
                q.remove();
                s.queuedBytes -= d.weight();
                s.forget(d);
            }
        }
    }

    /** The packet ids in flight, in the order they were first sent. */
    private static Integer[] inflightInSendOrder(Session s) {
        Integer[] sent = java.util.Arrays.stream(s.inflight.ids()).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(sent, java.util.Comparator.comparingLong(id -> s.inflight.get(id).order));
        return sent;
    }

    /** What another cluster node needs to continue this session; on its executor, with no connection bound. */
    static SessionState export(Session s) {
        java.util.List<SessionState.Subscription> subs = new java.util.ArrayList<>(s.subscriptions().size());
        s.subscriptions().forEach((full, sub) -> subs.add(ClusterEndpoint.state(full, sub)));
        java.util.List<SessionState.Pending> pending = new java.util.ArrayList<>(s.inflight.size() + s.queue.size());
        for (int id : inflightInSendOrder(s)) {
            Session.Inflight f = s.inflight.get(id);
            Delivery d = f.delivery;
            pending.add(new SessionState.Pending(d.message(), d.qos(), d.retain(), d.subscriptionIds(), id,
                    f.released));
        }
        for (Delivery d : s.queue) {
            pending.add(new SessionState.Pending(d.message(), d.qos(), d.retain(), d.subscriptionIds(), 0, false));
        }
        if (s.durable) {
            // durable entries not yet paged in (an offline session's, a backlog, the reorder buffer) are on disk
            Durability dur = s.broker.durability();
            long after = s.pagedUpTo;
            java.util.List<io.tern.broker.store.QueueEntry> entries;
            do {
                entries = dur.store().readQueue(s.clientId(), after, Session.PAGE);
                for (io.tern.broker.store.QueueEntry e : entries) {
                    after = e.seq();
                    io.tern.broker.store.StoredMessage sm = e.message() != null ? e.message()
                            : dur.store().message(e.messageId());
                    if (sm != null) {
                        pending.add(new SessionState.Pending(Durability.fromStored(sm), e.qos(), e.retain(),
                                e.subscriptionIds().length == 0 ? null : e.subscriptionIds(), e.packetId(),
                                e.released()));
                    }
                }
            } while (entries.size() == Session.PAGE);
        }
        return new SessionState(s.clientId(), s.version().level(), s.expirySeconds(), subs, pending);
    }

    /** Takes over the in-flight and queued messages of a session that moved here; on its executor. */
    static void importPending(Session s, java.util.List<SessionState.Pending> pending) {
        s.imported = !pending.isEmpty();
        for (SessionState.Pending p : pending) {
            Delivery d = new Delivery(p.message(), p.qos(), p.retain(), p.subscriptionIds());
            if (p.packetId() != 0 && !s.inflight.containsKey(p.packetId())) {
                Session.Inflight f = new Session.Inflight(d, s.inflightOrder++);
                f.released = p.released();
                s.inflight.put(p.packetId(), f);
            } else {
                s.queue.add(d);
                s.queuedBytes += d.weight();
                s.noteExpiry(d);
            }
        }
    }

    /**
     * Makes the session durable and writes the QoS 1/2 messages a hand-over moved into memory to this node's
     * store, as {@link Router} does for a fresh publish: each with its queue entry, in send order (in-flight ones
     * first, their packet ids recorded), under {@link Session#storeLock} so that no publisher's entry gets a
     * sequence number before them. On its executor, before CONNACK; false when there was nothing to write.
     */
    static boolean storeImported(Session s, Durability dur) {
        synchronized (s.storeLock) {
            s.durable = true;
            if (!s.imported) {
                return false;
            }
            s.imported = false;
            boolean wrote = false;
            for (int id : inflightInSendOrder(s)) {
                Session.Inflight f = s.inflight.get(id);
                if (f.delivery.seq() == 0 && f.delivery.qos() > 0) {
                    Session.Inflight g = new Session.Inflight(stored(s, dur, f.delivery), f.order);
                    g.released = f.released;
                    s.inflight.put(id, g);
                    dur.store().markSent(s.clientId(), g.delivery.seq(), id);
                    if (g.released) {
                        dur.store().markReleased(s.clientId(), g.delivery.seq());
                    }
                    wrote = true;
                }
            }
            java.util.List<Delivery> q = new java.util.ArrayList<>(s.queue);
            s.queue.clear();
            for (Delivery d : q) {
                if (d.seq() == 0 && d.qos() > 0) {
                    d = stored(s, dur, d);
                    wrote = true;
                }
                s.queue.add(d);
            }
            s.pagedUpTo = s.lastSeq; // all of them are in memory: paging continues after them
            return wrote;
        }
    }

    /** One imported delivery written with its body as a new queue entry; under {@link Session#storeLock}. */
    private static Delivery stored(Session s, Durability dur, Delivery d) {
        long messageId = dur.reserveMessageId();
        long seq = ++s.lastSeq;
        dur.store().putMessageAndEnqueue(messageId, Durability.toStored(d.message()), s.clientId(),
                new io.tern.broker.store.QueueEntry(seq, messageId, d.qos(), d.retain(),
                        d.subscriptionIds() == null ? new int[0] : d.subscriptionIds(), 0, false));
        s.addDurable(1);
        return new Delivery(d.message(), d.qos(), d.retain(), d.subscriptionIds(), d.group(), seq);
    }
}
