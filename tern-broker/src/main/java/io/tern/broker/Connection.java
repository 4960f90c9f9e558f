package io.tern.broker;

import io.netty.util.concurrent.EventExecutor;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;

/**
 * What the protocol handling needs of a client's network connection. The broker core talks only to
 * this, so protocol tests can run without sockets and transports (TCP, TLS, PSK, WebSocket) stay
 * interchangeable.
 */
public interface Connection {

    /** Queues a packet for sending; flushes are batched by the connection. Call on {@link #executor()}. */
    void send(Packet packet);

    /** Flushes what was sent, then closes. */
    void close();

    /** Whether the connection can take more output without growing its buffer past the high-water mark. */
    boolean isWritable();

    /** The event loop that owns this connection and the session attached to it. */
    EventExecutor executor();

    /** "address:port" of the peer, for logs. */
    String remoteAddress();



    /** The configuration of the listener this connection came in on (per-listener limits). */
    io.tern.broker.config.ListenerConfig listener();

    /** Tells the encoder which protocol version to speak once CONNECT has named it. */
    void protocolVersion(MqttVersion version);

    /** Arms the keep-alive timer: the connection is closed after this many seconds without a packet; 0 = off. */
    void keepAliveTimeout(long millis);

    /**
     * Stops reading from this peer for a while (a subscriber it publishes to is congested). Reading resumes
     * with {@link #resumeReading()}, or by itself after a short time so that a lost wake-up cannot stall it.
     *
     * @return false when reading was already paused
     */
    default boolean pauseReading() { return false; }

    /** Resumes reading after {@link #pauseReading()}; call on {@link #executor()}. */
    default void resumeReading() { }

    /** Bytes received on this connection so far (0 where the transport does not count). */
    default long bytesIn() { return 0; }

    /** Bytes sent on this connection so far (0 where the transport does not count). */
    default long bytesOut() { return 0; }

    /** The username that the transport established (TLS certificate or PSK identity), or null. */
    default String transportIdentity() { return null; }

    /**
     * Whether the peer is a Mosquitto-style bridge: its CONNECT set bit 7 of a 3.1 / 3.1.1 protocol level
     * ({@code try_private}). Its subscriptions then get No Local and Retain As Published, as Mosquitto gives
     * them, so messages it brought are not sent back to it.
     */
    default boolean bridge() { return false; }
}
