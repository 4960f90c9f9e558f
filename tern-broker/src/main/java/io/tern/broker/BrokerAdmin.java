package io.tern.broker;

import io.netty.util.concurrent.EventExecutor;
import io.tern.broker.admin.AdminResult;
import io.tern.broker.admin.ClientInfo;
import io.tern.broker.admin.SubscriptionInfo;
import io.tern.codec.MqttVersion;
import io.tern.codec.Topics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * What the admin API (tern-console) may see and do: snapshots of sessions and retained messages, and the few
 * operations an operator needs (disconnect a client, expire an offline session, add or remove a subscription,
 * delete retained messages, publish). Obtain with {@link Broker#admin()}.
 *
 * <p>Session state belongs to one event loop, so snapshots and operations run there and are returned as
 * futures: callers on an event loop (an HTTP handler) must not block on them.
 */
public final class BrokerAdmin {

    private final Broker broker;

    BrokerAdmin(Broker broker) {
        this.broker = broker;
    }

    // ---------------------------------------------------------------- sessions

    /** Every session, connected or not, sorted by client id. */
    public CompletableFuture<List<ClientInfo>> clients() {
        List<CompletableFuture<ClientInfo>> parts = new ArrayList<>();
        for (Session s : broker.sessions().all()) {
            parts.add(onLoop(s, this::info));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<ClientInfo> out = new ArrayList<>(parts.size());
            for (CompletableFuture<ClientInfo> f : parts) {
                ClientInfo i = f.join();
                if (i != null) {
                    out.add(i);
                }
            }
            out.sort(Comparator.comparing(ClientInfo::clientId));
            return out;
        });
    }

    /** One session, or empty when there is none with that client id. */
    public CompletableFuture<Optional<ClientInfo>> client(String clientId) {
        Session s = broker.sessions().get(clientId);
        if (s == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return onLoop(s, this::info).thenApply(Optional::ofNullable);
    }

    /** The subscriptions of one session, or empty when there is none with that client id. */
    public CompletableFuture<Optional<List<SubscriptionInfo>>> subscriptions(String clientId) {
        Session s = broker.sessions().get(clientId);
        if (s == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return onLoop(s, BrokerAdmin::subscriptionsOf).thenApply(Optional::ofNullable);
    }

    /** Every subscription of every session, sorted by filter then client id. */
    public CompletableFuture<List<SubscriptionInfo>> subscriptions() {
        List<CompletableFuture<List<SubscriptionInfo>>> parts = new ArrayList<>();
        for (Session s : broker.sessions().all()) {
            parts.add(onLoop(s, BrokerAdmin::subscriptionsOf));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<SubscriptionInfo> out = new ArrayList<>();
            for (CompletableFuture<List<SubscriptionInfo>> f : parts) {
                List<SubscriptionInfo> l = f.join();
                if (l != null) {
                    out.addAll(l);
                }
            }
            out.sort(Comparator.comparing(SubscriptionInfo::filter).thenComparing(SubscriptionInfo::clientId));
            return out;
        });
    }

    /** Disconnects a connected client as the broker would on a protocol error (MQTT 5: DISCONNECT 0x98). */
    public CompletableFuture<AdminResult> kick(String clientId) {
        Session s = broker.sessions().get(clientId);
        if (s == null) {
            return CompletableFuture.completedFuture(AdminResult.NOT_FOUND);
        }
        return onLoop(s, x -> {
            if (x.owner == null) {
                return AdminResult.NOT_CONNECTED;
            }
            Log.NOTICE.info("Disconnecting client {} at an administrator's request.", clientId);
            x.owner.kick();
            return AdminResult.DONE;
        });
    }

    /** Ends an offline session now, as its expiry would: subscriptions and queued messages go. */
    public CompletableFuture<AdminResult> expire(String clientId) {
        Session s = broker.sessions().get(clientId);
        if (s == null) {
            return CompletableFuture.completedFuture(AdminResult.NOT_FOUND);
        }
        return onLoop(s, x -> {
            if (x.owner != null || x.connected()) {
                return AdminResult.CONNECTED;
            }
            Log.NOTICE.info("Expiring client {} at an administrator's request.", clientId);
            broker.stats().clientsExpired.increment();
            broker.sessions().discard(x);
            return AdminResult.DONE;
        });
    }

    /**
     * Adds (or replaces) a subscription of {@code clientId}. When there is no such session, an offline persistent
     * one is made (MQTT 3.1.1, never expiring unless {@code persistent_client_expiration}), as a client that
     * subscribed with clean session off and went away would leave: it queues QoS 1/2 messages for its return.
     * {@code filter} must be valid (see {@link Topics#topicFilterError}); retained messages are not sent.
     */
    public CompletableFuture<AdminResult> subscribe(String clientId, String filter, int qos) {
        Session s = broker.sessions().get(clientId);
        if (s == null) {
            Session fresh = new Session(broker, clientId, broker.workers().next());
            fresh.restore(MqttVersion.MQTT_3_1_1, -1, System.nanoTime());
            // a client connecting at this moment, or another admin call, may have made one first: use that
            s = broker.sessions().adopt(fresh);
        }
        return onLoop(s, x -> {
            boolean shared = Topics.isShared(filter);
            String f = shared ? Topics.sharedTopicFilter(filter) : filter;
            Durability dur = broker.durability();
            if (dur != null && x.expirySeconds() != 0 && !x.durable()) {
                x.durable(true);
            }
            Subscriber entry = new Subscriber(x, f, qos, false, false, 0, 0);
            broker.subscribe(filter, entry);
            x.putSubscription(filter, entry);
            if (x.durable()) {
                dur.saveSession(x, x.connected());
            }
            Log.SUBSCRIBE.info("{} {} {} (by an administrator)", clientId, qos, filter);
            return AdminResult.DONE;
        });
    }

    /** Removes a subscription; NOT_FOUND when the session or the subscription does not exist. */
    public CompletableFuture<AdminResult> unsubscribe(String clientId, String filter) {
        Session s = broker.sessions().get(clientId);
        if (s == null) {
            return CompletableFuture.completedFuture(AdminResult.NOT_FOUND);
        }
        return onLoop(s, x -> {
            if (x.removeSubscription(filter) == null) {
                return AdminResult.NOT_FOUND;
            }
            broker.unsubscribe(x, filter);
            if (x.durable()) {
                broker.durability().saveSession(x, x.connected());
            }
            Log.UNSUBSCRIBE.info("{} {} (by an administrator)", clientId, filter);
            return AdminResult.DONE;
        });
    }

    // ---------------------------------------------------------------- retained messages

    /** Retained messages whose topic matches {@code filter}, sorted by topic; expired ones are left out. */
    public List<Message> retained(String filter) {
        List<Message> out = broker.retained().match(filter);
        out.sort(Comparator.comparing(Message::topic));
        return out;
    }

    /** The retained message of one topic. */
    public Optional<Message> retainedMessage(String topic) {
        List<Message> m = broker.retained().match(topic);
        return m.isEmpty() ? Optional.empty() : Optional.of(m.get(0));
    }

    /** Deletes the retained message of {@code topic} (store included) without publishing anything. */
    public boolean deleteRetained(String topic) {
        if (retainedMessage(topic).isEmpty()) {
            return false;
        }
        broker.retain(Message.of(topic, new byte[0], 0, true)); // its check_retain_source record goes too
        return true;
    }

    /** Deletes every retained message matching {@code filter}; returns how many. */
    public int deleteRetainedMatching(String filter) {
        int n = 0;
        for (Message m : broker.retained().match(filter)) {
            if (deleteRetained(m.topic())) {
                n++;
            }
        }
        return n;
    }

    /** How many retained messages there are. */
    public int retainedCount() {
        return broker.retained().size();
    }

    // ---------------------------------------------------------------- publish and figures

    /**
     * Publishes as the broker (no publishing session); completes once what it wrote is durable (persistence on).
     * The caller checks the ACL.
     */
    public CompletableFuture<Void> publish(Message message) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        EventExecutor loop = broker.workers().next();
        loop.execute(() -> {
            try {
                boolean durable = broker.publish(message, null);
                Durability dur = broker.durability();
                if (durable && dur != null) {
                    dur.store().sync(() -> done.complete(null));
                } else {
                    done.complete(null);
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * How long the store takes now to make what was written durable ({@code persistence_sync}: one group commit
     * with {@code batch}), in nanoseconds; -1 without persistence. For metrics; one sync per call.
     */
    public CompletableFuture<Long> storeSyncNanos() {
        Durability dur = broker.durability();
        if (dur == null) {
            return CompletableFuture.completedFuture(-1L);
        }
        CompletableFuture<Long> done = new CompletableFuture<>();
        long t0 = System.nanoTime();
        dur.store().sync(() -> done.complete(System.nanoTime() - t0));
        return done;
    }

    /** The number of sessions, connected or not. */
    public int sessionCount() {
        return broker.sessions().size();
    }

    /** The listeners as opened (copies of the configuration, port 0 where an ephemeral port was asked). */
    public List<io.tern.broker.config.ListenerConfig> listeners() {
        return List.copyOf(broker.effectiveListeners());
    }

    /** The current $SYS figures by topic (without the {@code $SYS/broker/} prefix), as last published. */
    public java.util.Map<String, String> sysFigures() {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (Message m : broker.retained().match("$SYS/broker/#")) {
            out.put(m.topic().substring("$SYS/broker/".length()),
                    new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    // ---------------------------------------------------------------- internals

    private ClientInfo info(Session s) {
        if (s.ended) {
            return null;
        }
        Connection c = s.connection();
        io.tern.broker.config.ListenerConfig l = s.listener();
        long backlog = Math.max(s.queuedCount(), s.durable() ? s.durableCount() - s.inflightCount() : 0);
        return new ClientInfo(s.clientId(), s.username(), c != null, c == null ? null : c.remoteAddress(),
                versionName(s.version()), l == null ? null : l.port(), l == null ? null : l.protocol().configName(),
                c == null ? null : s.connectedAtMillis, s.keepAlive, s.subscriptions().size(), backlog,
                s.inflightCount(), c == null ? 0 : c.bytesIn(), c == null ? 0 : c.bytesOut(), s.expirySeconds(),
                s.durable());
    }

    private static List<SubscriptionInfo> subscriptionsOf(Session s) {
        if (s.ended) {
            return null;
        }
        List<SubscriptionInfo> out = new ArrayList<>(s.subscriptions().size());
        s.subscriptions().forEach((full, sub) -> out.add(new SubscriptionInfo(s.clientId(), full, sub.qos(),
                sub.noLocal(), sub.retainAsPublished(), sub.retainHandling(), sub.subscriptionId())));
        return out;
    }

    static String versionName(MqttVersion v) {
        return switch (v) {
            case MQTT_3_1 -> "3.1";
            case MQTT_3_1_1 -> "3.1.1";
            case MQTT_5 -> "5.0";
        };
    }

    /** Runs {@code f} on the session's loop, following the session if it moves meanwhile. */
    private static <T> CompletableFuture<T> onLoop(Session s, Function<Session, T> f) {
        CompletableFuture<T> out = new CompletableFuture<>();
        run(s, f, out);
        return out;
    }

    private static <T> void run(Session s, Function<Session, T> f, CompletableFuture<T> out) {
        EventExecutor ex = s.executor();
        if (ex.inEventLoop()) {
            try {
                out.complete(f.apply(s));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
            return;
        }
        try {
            ex.execute(() -> {
                if (!s.executor().inEventLoop()) {
                    run(s, f, out);
                    return;
                }
                try {
                    out.complete(f.apply(s));
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.completeExceptionally(e);
        }
    }
}
