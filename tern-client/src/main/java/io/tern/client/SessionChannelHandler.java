package io.tern.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.tern.codec.Packet;

/** Feeds one channel's events into its {@link ClientSession}; events of an old channel are ignored. */
final class SessionChannelHandler extends ChannelInboundHandlerAdapter {

    private final ClientSession session;
    private final ClientConfig cfg;

    SessionChannelHandler(ClientSession session, ClientConfig cfg) {
        this.session = session;
        this.cfg = cfg;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!cfg.secure() && !cfg.webSocket()) {
            session.transportReady(ctx.channel());
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            session.transportReady(ctx.channel());
        } else if (evt instanceof SslHandshakeCompletionEvent e) {
            if (!e.isSuccess()) {
                session.lost(new MqttClientException("TLS handshake failed: " + e.cause().getMessage(), e.cause()));
                ctx.close();
            } else if (!cfg.webSocket()) {
                session.transportReady(ctx.channel());
            }
        } else if (evt instanceof IdleStateEvent idle && session.isCurrent(ctx.channel())) {
            if (idle.state() == IdleState.WRITER_IDLE) {
                session.pingDue();
            } else if (idle.state() == IdleState.READER_IDLE) {
                session.lost(new MqttClientException("keep-alive timeout: no packet from the broker"));
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (session.isCurrent(ctx.channel()) && msg instanceof Packet p) {
            session.onPacket(p);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.onChannelInactive(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (session.isCurrent(ctx.channel()) && !session.hasLostCause()) {
            session.lost(cause instanceof MqttClientException ? cause
                    : new MqttClientException(String.valueOf(cause.getMessage()), cause));
        }
        ctx.close();
    }
}
