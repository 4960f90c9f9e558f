package io.tern.client;

import java.util.concurrent.CompletableFuture;

/**
 * An outgoing QoS 0/1/2 publish from the call until its final acknowledgement. One published under the
 * application's packet id ({@link MqttClient#publish(MqttMessage, int, boolean)}) completes {@link #future} at
 * PUBACK or, for QoS 2, at PUBREC; its PUBREL waits for {@link MqttClient#release(int)}, whose future
 * ({@link #releaseFuture}) completes at PUBCOMP. A release of an id this session does not know (its PUBLISH went
 * before a restart) has no message: PUBREL only.
 */
final class OutPublish {
    final MqttMessage message; // null: PUBREL only
    final CompletableFuture<Void> future;
    int packetId;
    boolean released; // PUBREC received, PUBREL sent: only PUBCOMP is missing
    /** The packet id is the application's: it waits while another flow holds it, and is never renumbered. */
    boolean fixedId;
    /** Sent first with DUP (the application's copy may be a resend). */
    boolean dup;
    /** Fixed id, QoS 2: PUBREC came and {@link #future} completed; PUBREL waits for the application. */
    boolean received;
    CompletableFuture<Void> releaseFuture;

    OutPublish(MqttMessage message, CompletableFuture<Void> future) {
        this.message = message;
        this.future = future;
    }

    /** A PUBREL-only flow under {@code packetId}, completing {@code done} at PUBCOMP. */
    static OutPublish releaseOnly(int packetId, CompletableFuture<Void> done) {
        OutPublish o = new OutPublish(null, done);
        o.packetId = packetId;
        o.fixedId = true;
        o.received = true;
        o.released = true;
        o.releaseFuture = done;
        return o;
    }

    int qos() {
        return message == null ? 2 : message.qos();
    }

    /** Fails whatever future of this flow is still open. */
    void fail(Throwable cause) {
        future.completeExceptionally(cause);
        if (releaseFuture != null) {
            releaseFuture.completeExceptionally(cause);
        }
    }
}
