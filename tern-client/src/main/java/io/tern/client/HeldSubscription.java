package io.tern.client;

import io.tern.codec.Packet;
import io.tern.codec.Properties;

/** A subscription the client holds, to route messages and to restore it on a new session. */
final class HeldSubscription {
    final Packet.Subscription subscription;
    final Properties properties;
    final MessageHandler handler;
    boolean confirmed;

    HeldSubscription(Packet.Subscription subscription, Properties properties, MessageHandler handler) {
        this.subscription = subscription;
        this.properties = properties;
        this.handler = handler;
    }
}
