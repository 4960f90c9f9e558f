package io.tern.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;

/**
 * Signs of life of a peer whose input the broker is not reading. While a connection's output is backed up, the
 * broker stops reading from it (so its input cannot grow the output without bound), and its PINGREQs and
 * acknowledgements wait unread in the kernel; keep-alive must not blame the peer for that pause. Two signs
 * that need no read:
 * <ul>
 * <li>the kernel received data from the peer (epoll: {@code TCP_INFO}'s {@code tcpi_last_data_recv}): it sent
 * something, most likely the PINGREQ keep-alive asks for;</li>
 * <li>the socket took more of the connection's output: only a peer that reads makes room for it. Coarse: the
 * kernel wakes a writer only once a third of its send buffer is free, which on loopback is about 1 MB, so this
 * alone would not keep a slow reader alive; it is what the NIO transport (no {@code TCP_INFO}) has.</li>
 * </ul>
 * A dead peer shows neither, and keep-alive expires as usual.
 *
 * <p>As a handler it sits first in the pipeline (at the socket end, below TLS, PSK and WebSocket framing) and
 * counts the bytes written into the outbound buffer; on plain TCP there is no framing and no such handler (one
 * handler context less per connection): {@link NettyConnection} writes to the socket end and counts itself; what the socket took is that count less what the buffer still
 * holds. The buffer counts each entry with a small fixed overhead, so the value steps back a little at each
 * write and jumps forward when an entry leaves: callers compare it with the value they saw last.
 */
@ChannelHandler.Sharable
final class SocketActivity extends ChannelOutboundHandlerAdapter {

    static final SocketActivity INSTANCE = new SocketActivity();

    private SocketActivity() {
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        NettyConnection c = NettyConnection.of(ctx.channel());
        if (c != null) {
            if (msg instanceof ByteBuf b) {
                c.socketBytesQueued += b.readableBytes();
            } else if (msg instanceof ByteBufHolder h) {
                c.socketBytesQueued += h.content().readableBytes();
            }
        }
        ctx.write(msg, promise);
    }

    /** Bytes the socket has taken (see the class comment); call on the channel's event loop. */
    static long taken(Channel ch, long queued) {
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        return queued - (out == null ? 0 : out.totalPendingWriteBytes());
    }

    /**
     * Milliseconds since the kernel last received data from the peer, or -1 where the transport cannot say
     * (NIO). {@code info} is reused; call on the channel's event loop.
     */
    static long millisSinceDataReceived(Channel ch, EpollTcpInfo info) {
        if (ch instanceof EpollSocketChannel e && e.isActive()) {
            try {
                return e.tcpInfo(info).lastDataRecv();
            } catch (RuntimeException ignored) {
                return -1; // the socket went away under us: the close that follows says all
            }
        }
        return -1;
    }
}
