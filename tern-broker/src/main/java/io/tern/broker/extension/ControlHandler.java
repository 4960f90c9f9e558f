package io.tern.broker.extension;

/**
 * Receives the PUBLISHes to one {@code $CONTROL/...} topic (Mosquitto's control topics, e.g.
 * {@code $CONTROL/dynamic-security/v1}). Such messages are never routed to subscribers or retained, as in
 * Mosquitto; a {@code $CONTROL/} topic without a handler is acknowledged and dropped. Register with
 * {@link io.tern.broker.Broker#controlHandler}.
 */
@FunctionalInterface
public interface ControlHandler {

    /**
     * Called on the publisher's event loop after its ACL allowed the PUBLISH: hand slow work to another thread.
     *
     * @param listener the listener the publisher is connected to (plugins are per listener with per_listener_settings)
     * @param clientId the publisher's client id
     * @param username the publisher's username, or null
     * @param payload  the message payload
     */
    void handle(io.tern.broker.config.ListenerConfig listener, String clientId, String username, byte[] payload);
}
