package io.tern.client;

import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A SUBSCRIBE or UNSUBSCRIBE until its acknowledgement. */
final class PendingRequest {
    final List<Packet.Subscription> subscriptions; // null for UNSUBSCRIBE
    final List<String> filters;
    final Properties properties;
    final MessageHandler handler;
    final CompletableFuture<SubscribeResult> subscribed;
    final CompletableFuture<UnsubscribeResult> unsubscribed;
    int packetId;

    PendingRequest(List<Packet.Subscription> subscriptions, List<String> filters, Properties properties,
            MessageHandler handler, CompletableFuture<SubscribeResult> subscribed,
            CompletableFuture<UnsubscribeResult> unsubscribed) {
        this.subscriptions = subscriptions;
        this.filters = filters;
        this.properties = properties;
        this.handler = handler;
        this.subscribed = subscribed;
        this.unsubscribed = unsubscribed;
    }

    void fail(Throwable t) {
        if (subscribed != null) {
            subscribed.completeExceptionally(t);
        } else {
            unsubscribed.completeExceptionally(t);
        }
    }
}
