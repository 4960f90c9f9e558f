package io.tern.client;

import java.nio.file.Path;
import java.util.List;

/**
 * TLS for {@code ssl://} and {@code wss://} connections, with certificates or a pre-shared key.
 *
 * <p>Certificates: trust {@code caFile} / every certificate in {@code caPath} (or the JDK's default trust store
 * when both are null); present {@code certFile} + {@code keyFile} (PEM) for client authentication.
 * {@code insecure} keeps certificate-chain checks but skips host-name verification, as Mosquitto's
 * {@code --insecure}.
 *
 * <p>TLS-PSK: {@code pskIdentity} + {@code pskHex} (the key in hex, as Mosquitto's {@code --psk}); needs
 * BouncyCastle's {@code bctls-jdk18on} on the class path, since the JDK has no PSK cipher suites.
 *
 * @param caFile      PEM file of trusted CA certificates, or null
 * @param caPath      directory of PEM CA certificates, or null
 * @param certFile    PEM client certificate, or null
 * @param keyFile     PEM private key for {@code certFile}, or null
 * @param insecure    skip host-name verification
 * @param protocols   TLS versions to offer, e.g. {@code TLSv1.2}; empty for the defaults
 * @param ciphers     cipher suites (IANA names); empty for the defaults
 * @param alpn        ALPN protocols to offer; empty for none
 * @param pskIdentity the PSK identity, or null for certificate TLS
 * @param pskHex      the PSK in hexadecimal, or null
 */
public record TlsSettings(Path caFile, Path caPath, Path certFile, Path keyFile, boolean insecure,
                          List<String> protocols, List<String> ciphers, List<String> alpn,
                          String pskIdentity, String pskHex) {

    public TlsSettings {
        protocols = protocols == null ? List.of() : List.copyOf(protocols);
        ciphers = ciphers == null ? List.of() : List.copyOf(ciphers);
        alpn = alpn == null ? List.of() : List.copyOf(alpn);
        if ((pskIdentity == null) != (pskHex == null)) {
            throw new IllegalArgumentException("TLS-PSK needs both an identity and a key");
        }
    }

    /** TLS that trusts the JDK's default CA certificates. */
    public static TlsSettings system() {
        return new TlsSettings(null, null, null, null, false, List.of(), List.of(), List.of(), null, null);
    }

    /** TLS that trusts the CA certificates in a PEM file. */
    public static TlsSettings trusting(Path caFile) {
        return new TlsSettings(caFile, null, null, null, false, List.of(), List.of(), List.of(), null, null);
    }

    /** TLS-PSK with an identity and a hex key. */
    public static TlsSettings psk(String identity, String hexKey) {
        return new TlsSettings(null, null, null, null, false, List.of(), List.of(), List.of(), identity, hexKey);
    }

    public boolean isPsk() {
        return pskIdentity != null;
    }
}
