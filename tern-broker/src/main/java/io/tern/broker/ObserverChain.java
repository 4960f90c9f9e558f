package io.tern.broker;

import io.tern.broker.extension.MessageObserver;

/** Two observers called in turn; {@link Broker#observe} chains them so the message path keeps one field. */
record ObserverChain(MessageObserver first, MessageObserver second) implements MessageObserver {

    /** {@code chain} without {@code o}, or null when nothing is left. */
    static MessageObserver without(MessageObserver chain, MessageObserver o) {
        if (chain == null || chain == o) {
            return null;
        }
        if (chain instanceof ObserverChain c) {
            MessageObserver a = without(c.first, o);
            MessageObserver b = without(c.second, o);
            return a == null ? b : b == null ? a : new ObserverChain(a, b);
        }
        return chain;
    }

    @Override
    public void connected(String clientId, io.tern.broker.config.ListenerConfig listener, String version) {
        first.connected(clientId, listener, version);
        second.connected(clientId, listener, version);
    }

    @Override
    public void received(String clientId, String topic, int qos, int bytes) {
        first.received(clientId, topic, qos, bytes);
        second.received(clientId, topic, qos, bytes);
    }

    @Override
    public void publishDenied(String clientId, String username, String topic, int qos) {
        first.publishDenied(clientId, username, topic, qos);
        second.publishDenied(clientId, username, topic, qos);
    }

    @Override
    public void routed(Message message, int sessions) {
        first.routed(message, sessions);
        second.routed(message, sessions);
    }

    @Override
    public void dropped(String clientId, Message message, Drop reason) {
        first.dropped(clientId, message, reason);
        second.dropped(clientId, message, reason);
    }

    @Override
    public void expired(String clientId, Message message) {
        first.expired(clientId, message);
        second.expired(clientId, message);
    }

    @Override
    public void delivered(String clientId, Message message, int qos) {
        first.delivered(clientId, message, qos);
        second.delivered(clientId, message, qos);
    }

    @Override
    public void acknowledged(String clientId, Message message, int qos) {
        first.acknowledged(clientId, message, qos);
        second.acknowledged(clientId, message, qos);
    }
}
