package io.tern.broker;

import io.tern.broker.config.BrokerConfig;

/**
 * The configuration values the message path reads, copied once from {@link BrokerConfig} into final
 * fields so that hot code reads plain fields and a running broker is not affected by later changes to
 * the mutable config object.
 */
final class Settings {

    private final int maxInflightMessages;
    private final int maxQueuedMessages;
    private final long maxQueuedBytes;
    private final long maxInflightBytes;
    private final boolean queueQos0Messages;
    private final int messageSizeLimit;
    private final int maxPacketSize;
    private final int maxKeepalive;
    private final long persistentClientExpiration;
    private final boolean retainAvailable;
    private final boolean upgradeOutgoingQos;
    private final boolean connectionMessages;

    Settings(BrokerConfig c) {
        maxInflightMessages = c.maxInflightMessages();
        maxQueuedMessages = c.maxQueuedMessages();
        maxQueuedBytes = c.maxQueuedBytes();
        maxInflightBytes = c.maxInflightBytes();
        queueQos0Messages = c.queueQos0Messages();
        messageSizeLimit = c.messageSizeLimit();
        maxPacketSize = c.maxPacketSize();
        maxKeepalive = c.maxKeepalive();
        persistentClientExpiration = c.persistentClientExpiration().getSeconds();
        retainAvailable = c.retainAvailable();
        upgradeOutgoingQos = c.upgradeOutgoingQos();
        connectionMessages = c.connectionMessages();
    }

    int maxInflightMessages() { return maxInflightMessages; }
    int maxQueuedMessages() { return maxQueuedMessages; }
    long maxQueuedBytes() { return maxQueuedBytes; }
    long maxInflightBytes() { return maxInflightBytes; }
    boolean queueQos0Messages() { return queueQos0Messages; }
    int messageSizeLimit() { return messageSizeLimit; }
    int maxPacketSize() { return maxPacketSize; }
    int maxKeepalive() { return maxKeepalive; }
    long persistentClientExpiration() { return persistentClientExpiration; }
    boolean retainAvailable() { return retainAvailable; }
    boolean upgradeOutgoingQos() { return upgradeOutgoingQos; }
    boolean connectionMessages() { return connectionMessages; }
}
