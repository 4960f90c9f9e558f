package io.tern.psk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.util.ReferenceCountUtil;
import org.bouncycastle.tls.TlsProtocol;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Drives BouncyCastle's non-blocking TLS engine ({@link TlsProtocol}: offerInput / readInput / readOutput) in a
 * Netty pipeline, where an SslHandler would go: inbound TLS records become plain {@link ByteBuf}s, outbound
 * {@link ByteBuf}s are encrypted, writes made before the handshake completes wait for it (and are encrypted
 * then), a handshake that does not complete in time fails, and closing sends close_notify. Neither the JDK,
 * BCJSSE nor netty-tcnative offer the PSK suites Mosquitto uses, hence this. The server (broker listener) and
 * the client subclass it to start the protocol their way and to report the outcome. One instance per channel.
 */
public abstract class BcTlsHandler extends ChannelDuplexHandler {

    private final Duration handshakeTimeout;
    private TlsProtocol protocol;
    private PendingWriteQueue pending;
    private ScheduledFuture<?> timeout;
    private boolean started;
    private boolean handshakeDone;
    private boolean failed;
    private boolean closing;

    /** @param handshakeTimeout how long the handshake may take after the connection is up; 0 for no limit */
    protected BcTlsHandler(Duration handshakeTimeout) {
        this.handshakeTimeout = handshakeTimeout;
    }

    /** Creates the protocol and starts it: {@code accept(peer)} on a server, {@code connect(peer)} on a client. */
    protected abstract TlsProtocol startProtocol() throws IOException;

    /** Whether the TLS peer (PSKTlsServer / PSKTlsClient) has seen the handshake complete. */
    protected abstract boolean peerComplete();

    /** Why the peer refused, when it knows better than BouncyCastle's exception; or null. */
    protected abstract String peerFailure();

    /** The handshake completed: tell the pipeline (before the first decrypted byte is passed on). */
    protected abstract void handshakeCompleted(ChannelHandlerContext ctx);

    /** The handshake failed: tell the pipeline; the channel is closed afterwards. */
    protected abstract void handshakeFailed(ChannelHandlerContext ctx, String reason, Throwable cause);

    /** Wording for a handshake that ran out of time. */
    protected String timeoutReason(Duration limit) {
        return "TLS-PSK handshake not completed within "
                + (limit.toMillis() % 1000 == 0 ? limit.toSeconds() + " s" : limit.toMillis() + " ms");
    }

    /** Wording for a handshake BouncyCastle broke off with {@code e}, when the peer has no better reason. */
    protected String failureReason(IOException e) {
        return "TLS-PSK handshake failed: " + e.getMessage();
    }

    /** Wording for the peer closing the connection mid-handshake. */
    protected String closedReason() {
        return "connection closed during the TLS-PSK handshake";
    }

    /** @return true once the handshake has completed */
    public boolean isHandshakeComplete() {
        return handshakeDone;
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
        try {
            protocol = startProtocol();
        } catch (IOException | RuntimeException e) {
            fail(ctx, "cannot start the TLS-PSK handshake: " + e.getMessage(), e);
            return;
        }
        flushOutput(ctx); // a client's ClientHello
        long millis = handshakeTimeout.toMillis();
        if (millis > 0) {
            timeout = ctx.executor().schedule(() -> {
                if (!handshakeDone && !failed) {
                    fail(ctx, timeoutReason(handshakeTimeout), null);
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
                fail(ctx, peerFailure() != null ? peerFailure() : failureReason(e), e);
            }
            return;
        }
        flushOutput(ctx);
        if (!handshakeDone && peerComplete()) {
            handshakeDone = true;
            cancelTimeout();
            handshakeCompleted(ctx);
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
            ctx.close(); // the peer sent close_notify (BouncyCastle has answered it)
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
                // the socket goes anyway; a missing close_notify costs the peer a log line
            }
        }
        ByteBuf out = protocol == null || !ctx.channel().isActive() ? null : takeOutput(ctx);
        if (out != null) {
            ctx.writeAndFlush(out).addListener((ChannelFutureListener) f -> ctx.close(promise));
        } else {
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
            String why = closedReason() + (peerFailure() != null ? ": " + peerFailure() : "");
            handshakeFailed(ctx, why, null);
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
        handshakeFailed(ctx, reason, cause);
        ctx.close();
    }

    private void flushOutput(ChannelHandlerContext ctx) {
        ByteBuf out = takeOutput(ctx);
        if (out != null) {
            ctx.writeAndFlush(out);
        }
    }

    private ByteBuf takeOutput(ChannelHandlerContext ctx) {
        if (protocol == null) {
            return null;
        }
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
