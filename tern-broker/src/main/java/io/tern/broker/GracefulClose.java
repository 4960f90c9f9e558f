package io.tern.broker;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Ends a connection so that the peer reads everything sent before the end (the DISCONNECT or CONNACK that
 * says why). Closing a socket that still has unread input makes the kernel answer with a reset, which throws
 * away what the peer had not read yet and fails its next write. So: flush, end the transport's own stream
 * (TLS close_notify, WebSocket close frame), shut down output (the peer reads end-of-stream after our last
 * packet), then read and discard whatever the peer still sends until it closes, for at most
 * {@link #LINGER_MILLIS}, and only then close.
 *
 * <p>TLS-PSK channels are not half-closed: their handler sends close_notify when the channel closes, which a
 * shut-down output would make impossible; input is still discarded until the peer closes or the time is up.
 */
final class GracefulClose {

    /** How long a closing connection is read from (and its input thrown away) at most. */
    static final long LINGER_MILLIS = 1000;

    private GracefulClose() {
    }

    /**
     * Starts the close; call on the channel's event loop after everything to send was written.
     *
     * @param ctx the MQTT handler's context: transport frames written from here pass the TLS and WebSocket
     *            encoders below it
     */
    static void start(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        if (!ch.isActive()) {
            ctx.close();
            return;
        }
        ScheduledFuture<?> deadline = ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> deadline.cancel(false));
        // from now on the peer's bytes are thrown away before any decoder sees them
        ch.pipeline().addFirst("discard", new DiscardInput());
        ch.config().setAutoRead(true);
        // flush what the connection wrote (through TLS and WebSocket framing), then an empty write at the
        // socket end of the pipeline, whose future completes once everything before it reached the socket
        ctx.flush();
        ChannelFuture flushed = ch.pipeline().firstContext().writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER);
        flushed.addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
                return;
            }
            endTransportStream(ctx).addListener(g -> shutdownOutput(ch));
        });
        ch.read();
    }

    /** TLS close_notify and/or a WebSocket close frame, when the pipeline has them; a done future otherwise. */
    private static ChannelFuture endTransportStream(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        ChannelPromise done = ch.newPromise();
        Runnable tls = () -> {
            if (ssl != null) {
                ssl.closeOutbound().addListener(f -> done.trySuccess());
            } else {
                done.trySuccess();
            }
        };
        // the handshaker adds "wsencoder" once the upgrade is done; before that there is no WebSocket stream
        if (ch.pipeline().get("wsencoder") != null && ch.pipeline().context("websocket-mqtt") != null) {
            ch.pipeline().context("websocket-mqtt")
                    .writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                    .addListener(f -> tls.run());
        } else {
            tls.run();
        }
        return done;
    }

    private static void shutdownOutput(Channel ch) {
        if (ch instanceof DuplexChannel d && ch.pipeline().get("psk") == null && ch.isActive()) {
            d.shutdownOutput().addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    ch.close();
                }
            });
        }
    }

    /** Releases every inbound message; the channel closes itself when the peer's end-of-stream arrives. */
    private static final class DiscardInput extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // nothing reached the handlers behind; keep reading what the peer still sends
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // reset by peer and the like while discarding
        }
    }
}
