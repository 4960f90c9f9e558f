package io.tern.client;

import io.netty.channel.ChannelHandler;

/** TLS-PSK through BouncyCastle (the JDK has no PSK suites). */
final class PskTls {

    private PskTls() {
    }

    static ChannelHandler handler(TlsSettings tls, String host, int port) {
        throw new UnsupportedOperationException("TLS-PSK is not supported by this client yet");
    }
}
