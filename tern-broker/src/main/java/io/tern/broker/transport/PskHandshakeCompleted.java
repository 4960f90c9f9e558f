package io.tern.broker.transport;

/**
 * User event fired by {@link PskServerHandler} once the TLS-PSK handshake has succeeded, before any
 * application data is passed on. The broker uses {@link #identity()} as the username when the listener has
 * {@code use_identity_as_username}.
 *
 * @param identity    the PSK identity the client authenticated with
 * @param protocol    negotiated version, e.g. {@code TLSv1.3}
 * @param cipherSuite negotiated suite, IANA name, e.g. {@code TLS_AES_128_GCM_SHA256}
 */
public record PskHandshakeCompleted(String identity, String protocol, String cipherSuite) {
}
