package io.tern.client;

import io.netty.channel.ChannelHandler;

import java.time.Duration;

/**
 * The entry to TLS-PSK, which needs BouncyCastle (the JDK has no PSK suites). bctls is an optional dependency:
 * only this class and those it names touch it, so clients without PSK run without it.
 */
final class PskTls {

    private PskTls() {
    }

    /**
     * Fails early, before any socket is opened, when BouncyCastle's TLS classes are missing or the settings
     * cannot make a handshake (unknown TLS version, no PSK cipher suite).
     */
    static void check(TlsSettings tls) {
        try {
            Class.forName("org.bouncycastle.tls.TlsClientProtocol", false, PskTls.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("TLS-PSK needs BouncyCastle on the class path "
                    + "(org.bouncycastle:bctls-jdk18on): the JDK has no PSK cipher suites");
        }
        new PskClientPeer(new org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto(), tls);
    }

    static ChannelHandler handler(TlsSettings tls, Duration handshakeTimeout) {
        return new PskClientHandler(tls, handshakeTimeout);
    }
}
