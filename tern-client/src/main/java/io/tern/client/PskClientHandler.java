package io.tern.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * TLS-PSK for one client connection: neither the JDK nor netty-tcnative offer PSK suites, so this drives
 * BouncyCastle's non-blocking {@link TlsClientProtocol} directly, where an SslHandler would sit. Inbound it turns
 * TLS records into plain {@link ByteBuf}s; outbound it encrypts what the MQTT encoder writes (writes made before
 * the handshake completes wait for it). Like an SslHandler it fires {@link SslHandshakeCompletionEvent}: success
 * before the first decrypted byte, or failure (wrong key, unknown identity, no common suite, the broker closing,
 * no completed handshake within the timeout) followed by closing the channel. Closing sends close_notify; a
 * close_notify from the broker closes the channel. One instance per channel.
 */
final class PskClientHandler extends ChannelDuplexHandler {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final TlsSettings tls;
    private final Duration handshakeTimeout;
    private TlsClientProtocol protocol;
    private PskClientPeer peer;
    private PendingWriteQueue pending;
    private ScheduledFuture<?> timeout;
    private boolean started;
    private boolean handshakeDone;
    private boolean failed;
    private boolean closing;

    /**
     * @param tls              settings with a PSK identity and key
     * @param handshakeTimeout how long the broker may take to complete the handshake; zero for no limit
     */
    PskClientHandler(TlsSettings tls, Duration handshakeTimeout) {
        if (!tls.isPsk()) {
            throw new IllegalArgumentException("TLS settings without a PSK");
        }
        this.tls = tls;
        this.handshakeTimeout = handshakeTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        pending = new PendingWriteQueue(ctx);
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        protocol = new TlsClientProtocol();
        try {
            peer = new PskClientPeer(new BcTlsCrypto(RANDOM), tls);
            protocol.connect(peer); // queues the ClientHello
        } catch (IOException | RuntimeException e) {
            fail(ctx, "cannot start the TLS-PSK handshake: " + e.getMessage(), e);
            return;
        }
        flushOutput(ctx);
        long millis = handshakeTimeout.toMillis();
        if (millis > 0) {
            timeout = ctx.executor().schedule(() -> {
                if (!handshakeDone && !failed) {
                    fail(ctx, "TLS-PSK handshake not completed within " + millis + " ms", null);
                }
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed || protocol == null || protocol.isClosed()) {
            in.release(); // nothing more is read from a failed or closed TLS connection
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(in);
        in.release();
        try {
            protocol.offerInput(bytes);
        } catch (IOException e) {
            flushOutput(ctx); // the alert BouncyCastle raised
            if (handshakeDone) {
                failed = true;
                ctx.fireExceptionCaught(e);
                ctx.close();
            } else {
                fail(ctx, peer.failure() != null ? peer.failure() : e.getMessage(), e);
            }
            return;
        }
        flushOutput(ctx);
        if (!handshakeDone && peer.isComplete()) {
            handshakeDone = true;
            cancelTimeout();
            ctx.fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
            writePending(ctx);
            ctx.flush();
        }
        int available = protocol.getAvailableInputBytes();
        if (available > 0) {
            ByteBuf plain = ctx.alloc().buffer(available);
            plain.writerIndex(protocol.readInput(plain.nioBuffer(0, available), available));
            ctx.fireChannelRead(plain);
        }
        if (protocol.isClosed() && !closing) {
            ctx.close(); // the broker sent close_notify (BouncyCastle has answered it)
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new UnsupportedMessageTypeException(msg, ByteBuf.class));
            return;
        }
        if (!handshakeDone) {
            if (failed || closing) {
                buf.release();
                promise.setFailure(new IOException("TLS-PSK connection is closed"));
            } else {
                pending.add(buf, promise);
            }
            return;
        }
        try {
            byte[] plain = ByteBufUtil.getBytes(buf);
            buf.release();
            protocol.writeApplicationData(plain, 0, plain.length);
        } catch (IOException e) {
            promise.setFailure(e);
            return;
        }
        ByteBuf out = takeOutput(ctx);
        if (out == null) {
            promise.setSuccess();
        } else {
            ctx.write(out, promise);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        cancelTimeout();
        closing = true;
        if (pending != null) {
            pending.removeAndFailAll(new IOException("TLS-PSK connection closed before the handshake completed"));
        }
        if (protocol != null && handshakeDone && !failed && !protocol.isClosed()) {
            try {
                protocol.close(); // queues close_notify
            } catch (IOException e) {
                // the socket goes anyway; a missing close_notify only costs the broker a log line
            }
        }
        ByteBuf out = protocol == null ? null : takeOutput(ctx);
        if (out != null && ctx.channel().isActive()) {
            ctx.writeAndFlush(out).addListener((ChannelFutureListener) f -> ctx.close(promise));
        } else {
            ReferenceCountUtil.release(out);
            ctx.close(promise);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelTimeout();
        if (pending != null) {
            pending.removeAndFailAll(new IOException("connection closed"));
        }
        if (started && !handshakeDone && !failed) {
            failed = true;
            String why = "the broker closed the connection during the TLS-PSK handshake"
                    + (peer != null && peer.failure() != null ? ": " + peer.failure() : "");
            ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(new SSLHandshakeException(why)));
        }
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
        if (pending != null) {
            pending.removeAndFailAll(new IOException("TLS-PSK handler removed"));
        }
    }

    /** PendingWriteQueue's own removeAndWriteAll would write past this handler, unencrypted. */
    private void writePending(ChannelHandlerContext ctx) {
        Object msg;
        while ((msg = pending.current()) != null) {
            ReferenceCountUtil.retain(msg); // remove() releases it
            ChannelPromise promise = pending.remove();
            write(ctx, msg, promise);
        }
    }

    private void fail(ChannelHandlerContext ctx, String reason, Throwable cause) {
        if (failed) {
            return;
        }
        failed = true;
        cancelTimeout();
        SSLHandshakeException e = new SSLHandshakeException(reason);
        if (cause != null) {
            e.initCause(cause);
        }
        ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(e));
        ctx.close();
    }

    private void flushOutput(ChannelHandlerContext ctx) {
        ByteBuf out = takeOutput(ctx);
        if (out != null) {
            ctx.writeAndFlush(out);
        }
    }

    private ByteBuf takeOutput(ChannelHandlerContext ctx) {
        int n = protocol.getAvailableOutputBytes();
        if (n <= 0) {
            return null;
        }
        ByteBuf out = ctx.alloc().buffer(n);
        out.writerIndex(protocol.readOutput(out.nioBuffer(0, n), n));
        return out;
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }
}
