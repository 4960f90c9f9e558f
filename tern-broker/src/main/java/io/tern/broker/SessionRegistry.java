package io.tern.broker;

import io.netty.util.concurrent.EventExecutor;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * All sessions by client id, and the hand-over of a session between connections: a second CONNECT with
 * the same client id closes the first connection on its own event loop, then moves the session to the
 * new connection's loop [MQTT-3.1.4-3].
 */
final class SessionRegistry {

    private final Broker broker;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    /**
     * Delayed wills of sessions that ended with their connection (Session Expiry 0): as in Mosquitto the will
     * still waits for its delay, and a new connection for the client id in the meantime deletes it
     * [MQTT-3.1.2-8] ("or a new Network Connection for the ClientID is opened before the Will Delay Interval has
     * elapsed").
     */
    private final ConcurrentHashMap<String, io.netty.util.concurrent.ScheduledFuture<?>> endedSessionWills =
            new ConcurrentHashMap<>();

    SessionRegistry(Broker broker) {
        this.broker = broker;
    }

    Session get(String clientId) { return sessions.get(clientId); }

    /** Puts back a session read from the store at start-up. */
    void restore(Session s) {
        sessions.put(s.clientId(), s);
    }

    /** Adds a session made outside a connection (admin API, a dead cluster node's) unless one exists; returns the one in force. */
    Session adopt(Session s) {
        Session earlier = sessions.putIfAbsent(s.clientId(), s);
        return earlier != null ? earlier : s;
    }

    int size() { return sessions.size(); }

    Collection<Session> all() { return sessions.values(); }

    /**
     * Finds or creates the session for a connecting client and calls {@code then} on {@code ex} with it
     * and whether an earlier session was resumed.
     */
    void open(String clientId, boolean cleanStart, EventExecutor ex, ProtocolHandler h,
              BiConsumer<Session, Boolean> then) {
        io.tern.broker.extension.ClusterRouting c = broker.clusterRouting();
        if (c == null) {
            open(clientId, cleanStart, ex, h, then, null);
            return;
        }
        // client ids are unique cluster-wide: another node may have to give this session up first
        c.connecting(clientId, cleanStart, moved -> run(ex, () -> open(clientId, cleanStart, ex, h, then, moved)));
    }

    /** {@code moved}: the state of a session that another cluster node handed over, or null. */
    private void open(String clientId, boolean cleanStart, EventExecutor ex, ProtocolHandler h,
                      BiConsumer<Session, Boolean> then, SessionState moved) {
        // here, not once at the start: the old connection's close may end its session (moving its will here)
        // while this CONNECT is on its way, and then the takeover finds the session gone and comes back here
        io.netty.util.concurrent.ScheduledFuture<?> will = endedSessionWills.remove(clientId);
        if (will != null) {
            will.cancel(false); // back before the delay ran out: the ended session's will is deleted
        }
        Session existing = sessions.get(clientId);
        if (existing == null) {
            Session s = new Session(broker, clientId, ex);
            s.owner = h;
            Session raced = sessions.putIfAbsent(clientId, s);
            if (raced == null) {
                run(ex, () -> {
                    boolean present = moved != null && !cleanStart;
                    if (present) {
                        ClusterEndpoint.restore(broker, s, moved);
                    }
                    then.accept(s, present);
                });
                return;
            }
            existing = raced;
        }
        takeOver(existing, clientId, cleanStart, ex, h, then, false);
    }

    private void takeOver(Session existing, String clientId, boolean cleanStart, EventExecutor ex,
                          ProtocolHandler h, BiConsumer<Session, Boolean> then, boolean polled) {
        EventExecutor owner = existing.executor();
        if (!owner.inEventLoop()) {
            owner.execute(() -> takeOver(existing, clientId, cleanStart, ex, h, then, polled));
            return;
        }
        if (sessions.get(clientId) != existing) {
            run(ex, () -> open(clientId, cleanStart, ex, h, then, null));
            return;
        }
        if (!polled && existing.owner != null) {
            // What the old connection sent before the new one connected (a PUBLISH, then a close) may still be
            // unread in its socket when this task runs: the loop runs its tasks before it polls again. Mosquitto,
            // one thread, reads it first; so does Tern: a scheduled task runs only after the loop's next poll.
            owner.schedule(() -> takeOver(existing, clientId, cleanStart, ex, h, then, true),
                    1, TimeUnit.MICROSECONDS);
            return;
        }
        disown(existing);
        if (cleanStart || existing.expirySeconds() == 0) {
            discard(existing);
            run(ex, () -> open(clientId, cleanStart, ex, h, then, null));
            return;
        }
        existing.owner = h;
        existing.moveTo(ex);
        run(ex, () -> then.accept(existing, true));
    }

    /**
     * The client is back (here or on another node): its current connection, if any, is closed as taken over, and
     * a delayed will is cancelled. On the session's executor.
     */
    void disown(Session existing) {
        ProtocolHandler old = existing.owner;
        if (old != null) {
            existing.owner = null;
            old.takenOver();
            if (existing.connected()) {
                existing.detach(false); // the client is back at once: keep its shared messages
            }
        }
        if (existing.pendingWill != null) {
            // back before the will delay ran out: no will [MQTT-3.1.3-9]
            existing.pendingWill.cancel(false);
            existing.pendingWill = null;
            existing.pendingWillMessage = null;
        }
    }

    private static void run(EventExecutor ex, Runnable r) {
        if (ex.inEventLoop()) {
            r.run();
        } else {
            ex.execute(r);
        }
    }

    /** The connection of {@code h} is gone; on the session's executor. */
    void detached(Session s, ProtocolHandler h) {
        if (s.owner != h) {
            return;
        }
        s.owner = null;
        s.detach(true);
        io.tern.broker.extension.ClusterRouting c = broker.clusterRouting();
        if (c != null) {
            c.detached(s.clientId(), s.expirySeconds() == 0);
        }
        if (s.expirySeconds() == 0) {
            if (s.pendingWill != null) {
                // the session ends now, its will waits for its delay (Mosquitto 2.0, 07-will-delay)
                endedSessionWills.put(s.clientId(), s.pendingWill);
                s.pendingWill = null;
                s.pendingWillMessage = null;
            }
            discard(s);
        } else if (s.durable()) {
            broker.durability().saveSession(s, false);
        }
    }

    /** The connection closed before its session was bound. */
    void release(Session s, ProtocolHandler h) {
        run(s.executor(), () -> detached(s, h));
    }

    /** Ends a session: its subscriptions leave the tree and its queue is dropped. On its executor. */
    void discard(Session s) {
        if (!sessions.remove(s.clientId(), s)) {
            return;
        }
        s.ended = true;
        io.tern.broker.extension.ClusterRouting c = broker.clusterRouting();
        if (c != null) {
            c.ended(s.clientId());
        }
        if (broker.durability() != null) {
            synchronized (s.storeLock) {
                // under the lock: no publisher can add an entry for this session after its removal
                s.durable(false);
                broker.durability().store().removeSession(s.clientId());
            }
        }
        for (String filter : s.subscriptions().keySet()) {
            broker.unsubscribe(s, filter);
        }
        s.clear();
        if (s.pendingWill != null) {
            // the session ends before the will delay: the will goes now [MQTT-3.1.3-9]
            s.pendingWill.cancel(false);
            s.pendingWill = null;
            broker.publish(publishedNow(s.pendingWillMessage), null);
            s.pendingWillMessage = null;
        }
    }

    /** Publishes an MQTT 5 will after its delay unless the client is back by then. */
    void delayWill(Session s, Message will, long seconds) {
        s.pendingWillMessage = will;
        java.util.concurrent.atomic.AtomicReference<io.netty.util.concurrent.ScheduledFuture<?>> self =
                new java.util.concurrent.atomic.AtomicReference<>();
        self.set(s.executor().schedule(() -> {
            if (s.pendingWill == self.get()) {
                s.pendingWill = null;
                s.pendingWillMessage = null;
            }
            endedSessionWills.remove(s.clientId(), self.get());
            broker.publish(publishedNow(will), null);
        }, seconds, TimeUnit.SECONDS));
        s.pendingWill = self.get();
    }

    /**
     * A delayed will's Message Expiry Interval counts from its publication, not from the disconnect (3.1.3.2.4:
     * it "is sent as the Publication Expiry Interval when the Server publishes the Will Message").
     */
    private static Message publishedNow(Message will) {
        long now = System.nanoTime();
        long expiry = will.expiryNanos() == Long.MAX_VALUE
                ? Long.MAX_VALUE : now + (will.expiryNanos() - will.createdNanos());
        return new Message(will.topic(), will.payload(), will.qos(), will.retain(), will.properties(),
                will.publisherId(), now, expiry);
    }

    /** Ends offline sessions whose expiry has passed; called periodically from any thread. */
    void expire(long persistentClientExpirationSeconds) {
        long now = System.nanoTime();
        for (Session s : sessions.values()) {
            if (!s.needsSweep()) {
                continue; // connected without expiring messages: nothing to do, no task
            }
            s.executor().execute(() -> {
                if (s.connected() || sessions.get(s.clientId()) != s) {
                    s.expireQueued(now);
                    return;
                }
                long limit = s.expirySeconds() >= 0 ? s.expirySeconds() : persistentClientExpirationSeconds;
                if (limit > 0 && now - s.disconnectedAtNanos() >= limit * 1_000_000_000L) {
                    Log.NOTICE.info("Expiring client {} due to timeout.", s.clientId());
                    broker.stats().clientsExpired.increment();
                    discard(s);
                } else {
                    s.expireQueued(now);
                }
            });
        }
    }
}
