package io.tern.broker.transport;

import io.netty.channel.ChannelHandlerContext;
import io.tern.psk.BcTlsHandler;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * TLS-PSK for one connection, the way a Mosquitto listener with {@code psk_hint} does it, on BouncyCastle's
 * {@link TlsServerProtocol} (the record pump is {@link BcTlsHandler}, shared with the client). Put it first in
 * the pipeline, where an SslHandler would go.
 *
 * <p>It fires {@link PskHandshakeCompleted} (with the client's identity, for {@code use_identity_as_username})
 * before the first decrypted byte, or {@link PskHandshakeFailed} and then closes the channel: on an unknown
 * identity, a wrong key, no common suite, a malformed record, the peer closing, or no completed handshake
 * within the timeout. After the handshake, a broken record fires {@code exceptionCaught} with the BouncyCastle
 * {@code TlsFatalAlert} and closes. One instance per channel.
 */
public final class PskServerHandler extends BcTlsHandler {

    /** Netty's SslHandler default, used when no timeout is given. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(PskServerHandler.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PskSettings settings;
    private PskTlsPeer peer;

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
        super(handshakeTimeout);
        if (settings.keys() == null) {
            throw new TransportConfigException("a PSK listener needs keys (psk_file)");
        }
        this.settings = settings;
    }

    @Override
    protected TlsProtocol startProtocol() throws IOException {
        peer = new PskTlsPeer(new BcTlsCrypto(RANDOM), settings);
        TlsServerProtocol protocol = new TlsServerProtocol();
        protocol.accept(peer);
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
        return "handshake not completed within "
                + (limit.toMillis() % 1000 == 0 ? limit.toSeconds() + " s" : limit.toMillis() + " ms");
    }

    @Override
    protected void handshakeCompleted(ChannelHandlerContext ctx) {
        LOG.debug("TLS-PSK handshake with {} complete: identity {}, {} {}", ctx.channel().remoteAddress(),
                peer.identity(), peer.negotiatedProtocol(), peer.negotiatedSuite());
        ctx.fireUserEventTriggered(new PskHandshakeCompleted(peer.identity(), peer.negotiatedProtocol(),
                peer.negotiatedSuite()));
    }

    @Override
    protected void handshakeFailed(ChannelHandlerContext ctx, String reason, Throwable cause) {
        LOG.debug("TLS-PSK handshake with {} failed: {}", ctx.channel().remoteAddress(), reason);
        ctx.fireUserEventTriggered(new PskHandshakeFailed(reason, cause));
    }
}
