package io.tern.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.tern.psk.BcTlsHandler;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * TLS-PSK for one client connection on BouncyCastle's {@link TlsClientProtocol} (the record pump is
 * {@link BcTlsHandler}, shared with the broker's listener), where an SslHandler would sit. Inbound it turns TLS
 * records into plain {@link ByteBuf}s; outbound it encrypts what the MQTT encoder writes. Like an SslHandler it
 * fires {@link SslHandshakeCompletionEvent}: success before the first decrypted byte, or failure (wrong key,
 * unknown identity, no common suite, the broker closing, no completed handshake within the timeout) followed by
 * closing the channel. One instance per channel.
 */
final class PskClientHandler extends BcTlsHandler {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final TlsSettings tls;
    private PskClientPeer peer;

    /**
     * @param tls              settings with a PSK identity and key
     * @param handshakeTimeout how long the broker may take to complete the handshake; zero for no limit
     */
    PskClientHandler(TlsSettings tls, Duration handshakeTimeout) {
        super(handshakeTimeout);
        if (!tls.isPsk()) {
            throw new IllegalArgumentException("TLS settings without a PSK");
        }
        this.tls = tls;
    }

    @Override
    protected TlsProtocol startProtocol() throws IOException {
        TlsClientProtocol protocol = new TlsClientProtocol();
        peer = new PskClientPeer(new BcTlsCrypto(RANDOM), tls);
        protocol.connect(peer); // queues the ClientHello
        return protocol;
    }

    @Override
    protected boolean peerComplete() {
        return peer.isComplete();
    }

    @Override
    protected String peerFailure() {
        return peer == null ? null : peer.failure();
    }

    @Override
    protected String timeoutReason(Duration limit) {
        return "TLS-PSK handshake not completed within " + limit.toMillis() + " ms";
    }

    @Override
    protected String failureReason(IOException e) {
        return e.getMessage();
    }

    @Override
    protected String closedReason() {
        return "the broker closed the connection during the TLS-PSK handshake";
    }

    @Override
    protected void handshakeCompleted(ChannelHandlerContext ctx) {
        ctx.fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
    }

    @Override
    protected void handshakeFailed(ChannelHandlerContext ctx, String reason, Throwable cause) {
        SSLHandshakeException e = new SSLHandshakeException(reason);
        if (cause != null) {
            e.initCause(cause);
        }
        ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(e));
    }
}
