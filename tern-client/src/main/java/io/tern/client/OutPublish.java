package io.tern.client;

import java.util.concurrent.CompletableFuture;

/** An outgoing QoS 0/1/2 publish from the call until its final acknowledgement. */
final class OutPublish {
    final MqttMessage message;
    final CompletableFuture<Void> future;
    int packetId;
    boolean released; // PUBREC received, PUBREL sent: only PUBCOMP is missing

    OutPublish(MqttMessage message, CompletableFuture<Void> future) {
        this.message = message;
        this.future = future;
    }
}
