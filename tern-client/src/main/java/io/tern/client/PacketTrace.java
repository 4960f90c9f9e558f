package io.tern.client;

import io.tern.codec.Packet;

/**
 * Sees every packet the client sends and receives, for debug output such as {@code tern-sub -d}. Runs on the
 * I/O thread; must not block.
 */
public interface PacketTrace {

    /**
     * A packet is about to be written.
     *
     * @param clientId the client identifier in use, or null when the client connects without one and the broker
     *                 has not assigned one yet
     */
    void sent(String clientId, Packet packet);

    /** A packet was read. */
    void received(String clientId, Packet packet);
}
