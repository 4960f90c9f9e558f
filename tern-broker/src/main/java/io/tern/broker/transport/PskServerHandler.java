package io.tern.broker.transport;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.util.ReferenceCountUtil;

/**
 * TLS-PSK for one connection, the way a Mosquitto listener with {@code psk_hint} does it: neither the JDK,
 * BCJSSE nor netty-tcnative offer PSK suites, so this drives BouncyCastle's non-blocking
 * {@link TlsServerProtocol} directly. Put it first in the pipeline, where an SslHandler would go:
 * inbound it turns TLS records into plain {@link ByteBuf}s for the MQTT decoder; outbound it encrypts the
 * {@link ByteBuf}s the MQTT encoder writes (writes made before the handshake completes wait for it).
 *
 * <p>It fires {@link PskHandshakeCompleted} (with the client's identity, for {@code use_identity_as_username})
 * before the first decrypted byte, or {@link PskHandshakeFailed} and then closes the channel: on an unknown
 * identity, a wrong key, no common suite, a malformed record, the peer closing, or no completed handshake
 * within the timeout. Closing the channel sends close_notify first; a close_notify from the client closes the
 * channel. After the handshake, a broken record fires {@code exceptionCaught} with the BouncyCastle
 * {@code TlsFatalAlert} and closes. One instance per channel.
 */
public final class PskServerHandler extends ChannelDuplexHandler {

    /** Netty's SslHandler default, used when no timeout is given. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(PskServerHandler.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PskSettings settings;
    private final Duration handshakeTimeout;
    private TlsServerProtocol protocol;
    private PskTlsPeer peer;
    private PendingWriteQueue pending;
    private ScheduledFuture<?> timeout;
    private boolean started;
    private boolean handshakeDone;
    private boolean failed;
    private boolean closing;

    /**
     * @param settings the listener's hint, keys and minimum version
     */
    public PskServerHandler(PskSettings settings) {
        this(settings, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    /**
     * @param settings         the listener's hint, keys and minimum version
     * @param handshakeTimeout how long a client may take to complete the handshake after connecting
     */
    public PskServerHandler(PskSettings settings, Duration handshakeTimeout) {
        if (settings.keys() == null) {
            throw new TransportConfigException("a PSK listener needs keys (psk_file)");
        }
        this.settings = settings;
        this.handshakeTimeout = handshakeTimeout;
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
        peer = new PskTlsPeer(new BcTlsCrypto(RANDOM), settings);
        protocol = new TlsServerProtocol();
        try {
            protocol.accept(peer);
        } catch (IOException e) {
            fail(ctx, "cannot start the TLS-PSK handshake: " + e.getMessage(), e);
            return;
        }
        long millis = handshakeTimeout.toMillis();
        if (millis > 0) {
            timeout = ctx.executor().schedule(() -> {
                if (!handshakeDone && !failed) {
                    fail(ctx, "handshake not completed within " + describe(handshakeTimeout), null);
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
            flushOutput(ctx);
            if (handshakeDone) {
                failed = true;
                ctx.fireExceptionCaught(e);
                ctx.close();
            } else {
                fail(ctx, peer.failure() != null ? peer.failure() : "TLS-PSK handshake failed: " + e.getMessage(), e);
            }
            return;
        }
        flushOutput(ctx);
        if (!handshakeDone && peer.isComplete()) {
            handshakeDone = true;
            cancelTimeout();
            LOG.debug("TLS-PSK handshake with {} complete: identity {}, {} {}", ctx.channel().remoteAddress(),
                    peer.identity(), peer.negotiatedProtocol(), peer.negotiatedSuite());
            ctx.fireUserEventTriggered(new PskHandshakeCompleted(peer.identity(), peer.negotiatedProtocol(),
                    peer.negotiatedSuite()));
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
            ctx.close(); // the client sent close_notify (BouncyCastle has answered it)
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
                LOG.debug("close_notify to {} not sent: {}", ctx.channel().remoteAddress(), e.toString());
            }
        }
        ByteBuf out = protocol == null ? null : takeOutput(ctx);
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
            ctx.fireUserEventTriggered(new PskHandshakeFailed("connection closed during the TLS-PSK handshake"
                    + (peer != null && peer.failure() != null ? ": " + peer.failure() : ""), null));
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
        LOG.debug("TLS-PSK handshake with {} failed: {}", ctx.channel().remoteAddress(), reason);
        ctx.fireUserEventTriggered(new PskHandshakeFailed(reason, cause));
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

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
