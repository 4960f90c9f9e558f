package io.tern.client;

import java.nio.file.Path;
import java.util.HexFormat;
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
 * BouncyCastle's {@code bctls-jdk18on} on the class path, since the JDK has no PSK cipher suites. The client
 * offers TLS 1.3 with an external SHA-256 PSK and the TLS 1.2 PSK suites; {@code protocols} limits the versions
 * (from the highest to the lowest listed; list {@code TLSv1.3, TLSv1.2} for Mosquitto's
 * {@code --tls-version tlsv1.2}, which is a minimum), {@code ciphers} restricts the
 * TLS 1.2 suites (IANA or OpenSSL names, e.g. {@code PSK-AES128-GCM-SHA256}); CA, certificate and
 * {@code insecure} settings do not apply.
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
        if (pskHex != null && (pskHex.isEmpty()
                || !pskHex.chars().allMatch(c -> c < 128 && Character.digit(c, 16) >= 0))) {
            throw new IllegalArgumentException("the PSK must be hexadecimal digits without 0x, not \"" + pskHex + "\"");
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

    /**
     * TLS-PSK with an identity and a hex key, as Mosquitto's {@code --psk-identity} and {@code --psk}.
     *
     * @throws IllegalArgumentException when the key is empty or not hexadecimal
     */
    public static TlsSettings psk(String identity, String hexKey) {
        return new TlsSettings(null, null, null, null, false, List.of(), List.of(), List.of(), identity, hexKey);
    }

    /** TLS-PSK with an identity and the key's bytes. */
    public static TlsSettings psk(String identity, byte[] key) {
        if (key.length == 0) {
            throw new IllegalArgumentException("the PSK must not be empty");
        }
        return psk(identity, HexFormat.of().formatHex(key));
    }

    /** @return true for TLS-PSK, false for certificate TLS */
    public boolean isPsk() {
        return pskIdentity != null;
    }

    /**
     * The key bytes, decoded as libmosquitto does ({@code mosquitto__hex2bin}): each leading {@code 00} pair is a
     * zero byte, the rest is read as one big-endian number in its minimal bytes. So an odd number of digits
     * reads with a leading zero digit ({@code abc} is {@code 0a bc}), and {@code 0ab} is the single byte
     * {@code ab}, exactly the bytes mosquitto_pub would use.
     *
     * @return the key bytes, or null for certificate TLS
     */
    public byte[] pskKey() {
        return pskHex == null ? null : io.tern.codec.PskKeys.decode(pskHex);
    }
}
