package io.tern.client;

import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.util.concurrent.CompletableFuture;

/**
 * Outgoing flows under the application's packet ids instead of the session's own (a bridge forwards a local
 * delivery under the id its local session gave it, so that after a restart the local session's resend meets the
 * same flow at the remote): QoS 2 stops at PUBREC until the application releases it, and a release of an id
 * this session does not know (one from before a restart) is PUBREL only. Runs on the session's event loop.
 */
final class FixedIdFlows {

    private final ClientSession session;

    FixedIdFlows(ClientSession session) {
        this.session = session;
    }

    /**
     * A publish under {@code packetId}; QoS 2 stops at PUBREC ({@link #release} continues). Another call for an
     * id whose flow is in flight joins that flow.
     */
    CompletableFuture<Void> publish(MqttMessage message, int packetId, boolean dup) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        session.run(() -> {
            OutPublish cur = session.inflight(packetId);
            if (cur != null && cur.fixedId) {
                // the same message again (the application's side resent it): one flow
                if (cur.received) {
                    f.complete(null);
                } else {
                    completeWith(cur.future, f);
                }
                return;
            }
            OutPublish o = new OutPublish(message, f);
            o.packetId = packetId;
            o.fixedId = true;
            o.dup = dup;
            session.enqueue(o, f);
        }, f);
        return f;
    }

    /**
     * PUBREL for the QoS 2 message under {@code packetId} the broker PUBREC'd: one published with that id, or one
     * this session does not know any more (sent before a restart of the application), then PUBREL only. The
     * future completes at PUBCOMP.
     */
    CompletableFuture<Void> release(int packetId) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        session.run(() -> {
            OutPublish o = session.inflight(packetId);
            if (o != null && o.fixedId && o.qos() == 2 && o.received) {
                if (o.releaseFuture == null) {
                    o.releaseFuture = new CompletableFuture<>();
                }
                if (!o.released) {
                    o.released = true;
                    if (session.sendsNow()) {
                        session.send(new Packet.PubRel(packetId, 0, Properties.EMPTY));
                    } // otherwise with the resend after the next CONNACK
                }
                completeWith(o.releaseFuture, f);
                return;
            }
            session.enqueue(OutPublish.releaseOnly(packetId, f), f);
        }, f);
        return f;
    }

    /** The broker's PUBREC (success) for a flow under the application's id. */
    void onPubRec(OutPublish o) {
        if (!o.released) {
            // the application sends PUBREL (release) when its side of the flow is ready
            o.received = true;
            o.future.complete(null);
        } else {
            session.send(new Packet.PubRel(o.packetId, 0, Properties.EMPTY)); // PUBREC again: PUBREL again
        }
    }

    /** Completes {@code to} as {@code from} completes (its value dropped). */
    private static void completeWith(CompletableFuture<?> from, CompletableFuture<Void> to) {
        from.whenComplete((v, e) -> {
            if (e != null) {
                to.completeExceptionally(e);
            } else {
                to.complete(null);
            }
        });
    }
}
