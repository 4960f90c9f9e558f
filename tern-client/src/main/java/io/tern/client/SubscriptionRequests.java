package io.tern.client;

import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * SUBSCRIBE and UNSUBSCRIBE from the call to SUBACK/UNSUBACK, and the subscriptions they confirm: requests wait
 * while packet ids ran out or the client is offline, go again after a reconnect, and a new session gets the
 * confirmed subscriptions again. On the client's event loop.
 */
final class SubscriptionRequests {

    private final PacketIds ids;
    private final boolean v5;
    private final Consumer<Packet> send;
    private final BooleanSupplier connected;
    private final LinkedHashMap<String, HeldSubscription> subscriptions;
    private final LinkedHashMap<Integer, PendingRequest> requests = new LinkedHashMap<>();
    private final ArrayDeque<PendingRequest> queued = new ArrayDeque<>();

    SubscriptionRequests(PacketIds ids, boolean v5, Consumer<Packet> send, BooleanSupplier connected,
                         LinkedHashMap<String, HeldSubscription> subscriptions) {
        this.ids = ids;
        this.v5 = v5;
        this.send = send;
        this.connected = connected;
        this.subscriptions = subscriptions;
    }

    /** Requests waiting for the connection or a packet id. */
    int queuedCount() {
        return queued.size();
    }

    void submit(PendingRequest r) {
        if (connected.getAsBoolean() && queued.isEmpty() && sendRequest(r)) {
            return;
        }
        queued.addLast(r);
    }

    private boolean sendRequest(PendingRequest r) {
        int id = ids.acquire();
        if (id < 0) {
            return false;
        }
        r.packetId = id;
        requests.put(id, r);
        Properties props = v5 ? r.properties : Properties.EMPTY;
        if (r.subscriptions != null) {
            send.accept(new Packet.Subscribe(id, r.subscriptions, props));
        } else {
            send.accept(new Packet.Unsubscribe(id, r.filters, props));
        }
        return true;
    }

    /** Requests wait only when packet ids ran out or the client is offline; a completed flow frees one. */
    void resume() {
        while (connected.getAsBoolean() && !queued.isEmpty()) {
            if (!sendRequest(queued.peekFirst())) {
                return;
            }
            queued.pollFirst();
        }
    }

    void onSubAck(Packet.SubAck a) {
        PendingRequest r = requests.get(a.packetId());
        if (r == null || r.subscriptions == null) {
            return;
        }
        requests.remove(a.packetId());
        ids.release(a.packetId());
        for (int i = 0; i < r.subscriptions.size(); i++) {
            String filter = r.subscriptions.get(i).filter();
            HeldSubscription e = subscriptions.get(filter);
            int code = i < a.reasonCodes().size() ? a.reasonCodes().get(i) : 0x80;
            if (e != null && e.handler == r.handler) {
                if (code >= 0x80) {
                    subscriptions.remove(filter);
                } else {
                    e.confirmed = true;
                }
            }
        }
        r.subscribed.complete(new SubscribeResult(a.packetId(), a.reasonCodes(), a.properties()));
        resume();
    }

    void onUnsubAck(Packet.UnsubAck a) {
        PendingRequest r = requests.get(a.packetId());
        if (r != null && r.unsubscribed != null) {
            requests.remove(a.packetId());
            ids.release(a.packetId());
            r.unsubscribed.complete(new UnsubscribeResult(a.packetId(), a.reasonCodes(), a.properties()));
        }
        resume();
    }

    /**
     * After a CONNACK: the unacknowledged requests go again, first; with {@code newSession} the confirmed
     * subscriptions too, as the broker forgot them.
     */
    void restore(boolean newSession) {
        List<PendingRequest> unacked = new ArrayList<>(requests.values());
        requests.clear();
        if (newSession) {
            Set<HeldSubscription> pending = new HashSet<>();
            for (PendingRequest r : unacked) {
                if (r.subscriptions != null) {
                    for (Packet.Subscription s : r.subscriptions) {
                        pending.add(subscriptions.get(s.filter()));
                    }
                }
            }
            for (HeldSubscription e : subscriptions.values()) {
                if (e.confirmed && !pending.contains(e)) {
                    PendingRequest r = new PendingRequest(List.of(e.subscription), null, e.properties, e.handler,
                            new CompletableFuture<>(), null);
                    unacked.add(0, r);
                }
            }
        }
        for (int i = unacked.size() - 1; i >= 0; i--) {
            PendingRequest r = unacked.get(i);
            ids.release(r.packetId);
            r.packetId = 0;
            queued.addFirst(r);
        }
    }

    void failAll(Throwable cause) {
        for (PendingRequest r : requests.values()) {
            ids.release(r.packetId);
            r.fail(cause);
        }
        requests.clear();
        queued.forEach(r -> r.fail(cause));
        queued.clear();
        // Subscriptions that were never acknowledged do not exist at the broker.
        subscriptions.values().removeIf(e -> !e.confirmed);
    }
}
