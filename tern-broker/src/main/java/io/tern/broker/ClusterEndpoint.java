package io.tern.broker;

import io.netty.util.concurrent.EventExecutor;
import io.tern.codec.MqttVersion;
import io.tern.codec.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What a cluster module may do to the broker it runs in, handed out by {@link Broker#joinCluster}: deliver
 * messages other nodes forwarded, mirror retained messages, give a session up to another node and take over the
 * sessions of a node that died. Everything here keeps the broker's threading rules (session state is touched
 * only on the session's event loop).
 */
public final class ClusterEndpoint {

    private final Broker broker;

    ClusterEndpoint(Broker broker) {
        this.broker = broker;
    }

    /**
     * Delivers a message forwarded by another node to the local subscribers only (it is not forwarded again):
     * the plain subscriptions when {@code plain}, and the local members of the shared subscriptions named in
     * {@code sharedGroups} ({@code $share/g/f}).
     *
     * @return whether it wrote durable queue entries: confirm it to the sending node only from {@link #whenDurable}
     */
    public boolean deliverFromCluster(Message msg, boolean plain, Set<String> sharedGroups) {
        return deliverFromCluster(msg, plain, sharedGroups, null);
    }

    /**
     * As {@link #deliverFromCluster(Message, boolean, Set)}, on {@code link}'s event loop: a local subscriber that
     * is congested pauses reading from {@code link} (the connection the message came in on) until it drained, as
     * it pauses a local publisher, so the sending node's link fills and its publishers slow down.
     */
    public boolean deliverFromCluster(Message msg, boolean plain, Set<String> sharedGroups, Connection link) {
        broker.router().publishFromCluster(msg, plain, sharedGroups, link);
        return broker.router().lastPublishDurable();
    }

    /**
     * Runs {@code action} once everything this broker wrote so far is durable: from the store's group commit
     * ({@code Store.sync}, the same one a local publisher's PUBACK waits for; callbacks keep their order), at once
     * without persistence.
     *
     * @throws IllegalStateException when the store is closed or stopped syncing after an error
     */
    public void whenDurable(Runnable action) {
        Durability dur = broker.durability();
        if (dur == null) {
            action.run();
        } else {
            dur.store().sync(action);
        }
    }

    /** Mirrors a retained message (an empty payload clears its topic) set on another node. */
    public void retainedFromCluster(Message msg) {
        broker.retained().put(msg);
    }

    /** Clears the local copy of a retained topic removed elsewhere. */
    public void retainedClearedFromCluster(String topic) {
        broker.retained().put(Message.of(topic, new byte[0], 0, true));
    }

    /** The local retained messages. */
    public List<Message> retainedMessages() {
        return broker.retained().all();
    }

    /** Publishes a message on this node as the broker itself would (wills of another node's clients, $SYS). */
    public void publish(Message msg) {
        broker.publish(msg, null);
    }

    /** Client ids of the sessions on this node. */
    public List<String> clientIds() {
        return new ArrayList<>(broker.sessions().all().stream().map(Session::clientId).toList());
    }

    /** A snapshot of a local session (subscriptions and pending messages), taken on its event loop; null if none. */
    public CompletableFuture<SessionState> snapshot(String clientId) {
        return withSession(clientId, s -> s.ended ? null : SessionHandOver.export(s));
    }

    /**
     * Gives a session up to another node: closes its connection here as a takeover does (MQTT 5 DISCONNECT 0x8E,
     * the will published per its delay), ends the session here and completes with its state, or with null when
     * this node has no such session.
     */
    public CompletableFuture<SessionState> handOver(String clientId) {
        return withSession(clientId, s -> {
            broker.sessions().disown(s);
            SessionState state = SessionHandOver.export(s);
            broker.sessions().discard(s);
            return state;
        });
    }

    /**
     * Queues, on the local session of {@code clientId}, messages another node still held for it (a node that came
     * back with them in its store after the session had moved here): as new deliveries, in their order, QoS 1/2
     * ones written to this node's store for a durable session. Completes with false when there is no such session
     * here, else with true once what it wrote is durable.
     */
    public CompletableFuture<Boolean> requeue(String clientId, List<SessionState.Pending> pending) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        withSession(clientId, s -> {
            for (SessionState.Pending p : pending) {
                broker.router().hand(s, new Delivery(p.message(), p.qos(), p.retain(), p.subscriptionIds()));
            }
            return Boolean.TRUE;
        }).whenComplete((ok, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            } else if (ok == null) {
                done.complete(false);
            } else {
                try {
                    whenDurable(() -> done.complete(true));
                } catch (IllegalStateException ex) {
                    done.completeExceptionally(ex);
                }
            }
        });
        return done;
    }

    /** Ends a local offline session (its queue and store entries go): the cluster has a newer one elsewhere. */
    public CompletableFuture<Void> discard(String clientId) {
        return withSession(clientId, s -> {
            if (!s.connected()) {
                broker.sessions().discard(s);
            }
            return null;
        });
    }

    /** Runs {@code action} on the session's event loop while it is still the registered one; null if none. */
    private <T> CompletableFuture<T> withSession(String clientId, java.util.function.Function<Session, T> action) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Session s = broker.sessions().get(clientId);
        if (s == null) {
            f.complete(null);
            return f;
        }
        onLoop(s, () -> f.complete(broker.sessions().get(clientId) == s ? action.apply(s) : null), f);
        return f;
    }

    /**
     * Takes over, offline, a session of a node that died, so messages for it queue here until its client returns
     * (here, or on another node, which then takes it over). Does nothing if the client id has a session here.
     * With persistence on, the session is written to this node's store and its QoS 1/2 messages queue there.
     */
    public void adopt(SessionState state) {
        EventExecutor loop = broker.nextLoop();
        loop.execute(() -> {
            Session s = new Session(broker, state.clientId(), loop);
            if (broker.sessions().adopt(s) == s) {
                restore(broker, s, state);
                Durability dur = broker.durability();
                if (dur != null && state.expirySeconds() != 0) {
                    // durable here as the dead node had it: what queues for it from now on survives a kill -9
                    // of this node too, and the session itself comes back with this node's store
                    s.storeImported(dur);
                    s.durable(true);
                    dur.saveSession(s, false);
                }
            }
        });
    }

    /**
     * Waits (on the session's event loop, bounded) for the group commit after a hand-over wrote the moved messages,
     * so CONNACK goes out only when they are durable here. Rare (a client moving between nodes) and one fsync long.
     */
    static void awaitDurable(Durability dur, String clientId) {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        try {
            dur.store().sync(done::countDown);
            if (!done.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                Log.ERROR.error("Messages handed over with session {} not durable after 10 s.", clientId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            Log.ERROR.error("Messages handed over with session {} may not be durable: {}", clientId, e.getMessage());
        }
    }

    private static void onLoop(Session s, Runnable r, CompletableFuture<?> f) {
        EventExecutor ex = s.executor();
        Runnable guarded = () -> {
            try {
                if (!s.executor().inEventLoop()) {
                    onLoop(s, r, f); // moved meanwhile
                    return;
                }
                r.run();
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        };
        if (ex.inEventLoop()) {
            guarded.run();
        } else {
            ex.execute(guarded);
        }
    }

    static SessionState.Subscription state(String fullFilter, Subscriber s) {
        return new SessionState.Subscription(fullFilter, s.qos(), s.noLocal(), s.retainAsPublished(),
                s.retainHandling(), s.subscriptionId());
    }

    /** Fills a fresh local session with a state that moved here; on its executor. */
    static void restore(Broker broker, Session s, SessionState state) {
        int level = Math.max(3, Math.min(5, state.protocolLevel()));
        s.restore(MqttVersion.values()[level - 3], state.expirySeconds(), System.nanoTime());
        for (SessionState.Subscription sub : state.subscriptions()) {
            boolean shared = Topics.isShared(sub.filter());
            String filter = shared ? Topics.sharedTopicFilter(sub.filter()) : sub.filter();
            Subscriber entry = new Subscriber(s, filter, sub.qos(), sub.noLocal(), sub.retainAsPublished(),
                    sub.retainHandling(), sub.subscriptionId());
            broker.subscribe(sub.filter(), entry);
            s.putSubscription(sub.filter(), entry);
        }
        SessionHandOver.importPending(s, state.pending());
    }
}
