package io.tern.broker.extension;

import io.netty.channel.socket.SocketChannel;

/**
 * Builds the pipeline of a connection on a listener whose protocol the core does not serve itself
 * ({@code protocol http}). The broker has already applied {@code max_connections} and added TLS (an
 * {@code SslHandler} named {@code "ssl"}) when the listener has {@code certfile}/{@code keyfile}; the
 * extension adds the rest. Called on the connection's event loop, once per connection.
 */
@FunctionalInterface
public interface ListenerPipeline {

    void initChannel(SocketChannel channel);
}
