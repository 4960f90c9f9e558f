package io.tern.broker;

import io.tern.broker.extension.MessageObserver;

/**
 * Tells the broker's {@link MessageObserver} (the console's traffic view, metrics), when one is installed, what
 * became of a session's deliveries. Static: a session carries no object for it.
 */
final class DeliveryEvents {

    private DeliveryEvents() {
    }

    static void delivered(Broker broker, String clientId, Delivery d) {
        MessageObserver o = broker.observer();
        if (o != null) {
            o.delivered(clientId, d.message(), d.qos());
        }
    }

    static void dropped(Broker broker, String clientId, Delivery d, MessageObserver.Drop why) {
        MessageObserver o = broker.observer();
        if (o != null) {
            o.dropped(clientId, d.message(), why);
        }
    }

    static void expired(Broker broker, String clientId, Delivery d) {
        MessageObserver o = broker.observer();
        if (o != null) {
            o.expired(clientId, d.message());
        }
    }

    static void acknowledged(Broker broker, String clientId, Delivery d) {
        MessageObserver o = broker.observer();
        if (o != null) {
            o.acknowledged(clientId, d.message(), d.qos());
        }
    }
}
