package io.tern.broker.transport;

import java.nio.file.Path;

/**
 * The certificate-based TLS options of one Mosquitto listener, as mosquitto.conf names them.
 *
 * @param cafile             {@code cafile}: PEM file of CA certificates trusted for client certificates, or null
 * @param capath             {@code capath}: directory of PEM CA certificates (every regular file in it that holds
 *                           certificates is read; OpenSSL's hashed symlinks are read through), or null
 * @param certfile           {@code certfile}: PEM server certificate, optionally followed by its chain; required
 * @param keyfile            {@code keyfile}: PEM private key of {@code certfile} (PKCS#1, SEC1 or PKCS#8); required
 * @param keyPassword        not a mosquitto.conf option (Mosquitto has none and would prompt on the terminal for an
 *                           encrypted key): null when the listener comes from mosquitto.conf, so an encrypted
 *                           keyfile is refused with a message; the embedding API may set it
 * @param requireCertificate {@code require_certificate}: clients must present a certificate that chains to
 *                           {@code cafile}/{@code capath}; when false no client certificate is even requested
 *                           (Mosquitto uses SSL_VERIFY_NONE)
 * @param tlsVersion         {@code tls_version}: the <em>minimum</em> protocol version, {@code tlsv1.3},
 *                           {@code tlsv1.2} or {@code tlsv1.1} (Mosquitto 2.x; 1.6 meant "only this version");
 *                           null means TLS 1.2 and 1.3
 * @param ciphers            {@code ciphers}: OpenSSL cipher list for TLS 1.2 and older (names such as
 *                           {@code ECDHE-RSA-AES128-GCM-SHA256}, IANA names, and the common keywords and
 *                           {@code !}/{@code -}/{@code +} operators), or null for the provider's defaults
 * @param ciphersTls13       {@code ciphers_tls1.3}: colon-separated TLS 1.3 suites such as
 *                           {@code TLS_AES_256_GCM_SHA384}, or null for the defaults
 * @param crlfile            {@code crlfile}: PEM certificate revocation list checked against client certificates
 *                           (the end-entity certificate only, as OpenSSL's X509_V_FLAG_CRL_CHECK), or null
 */
public record TlsSettings(
        Path cafile,
        Path capath,
        Path certfile,
        Path keyfile,
        char[] keyPassword,
        boolean requireCertificate,
        String tlsVersion,
        String ciphers,
        String ciphersTls13,
        Path crlfile) {

    /**
     * The common case: a server certificate and key, no client certificates.
     *
     * @param certfile {@code certfile}
     * @param keyfile  {@code keyfile}
     * @return settings with every other option unset
     */
    public static TlsSettings of(Path certfile, Path keyfile) {
        return new TlsSettings(null, null, certfile, keyfile, null, false, null, null, null, null);
    }

    /** @return a copy with {@code cafile} set */
    public TlsSettings withCafile(Path file) {
        return new TlsSettings(file, capath, certfile, keyfile, keyPassword, requireCertificate, tlsVersion, ciphers,
                ciphersTls13, crlfile);
    }

    /** @return a copy with {@code capath} set */
    public TlsSettings withCapath(Path dir) {
        return new TlsSettings(cafile, dir, certfile, keyfile, keyPassword, requireCertificate, tlsVersion, ciphers,
                ciphersTls13, crlfile);
    }

    /** @return a copy with {@code require_certificate} set */
    public TlsSettings withRequireCertificate(boolean require) {
        return new TlsSettings(cafile, capath, certfile, keyfile, keyPassword, require, tlsVersion, ciphers,
                ciphersTls13, crlfile);
    }

    /** @return a copy with {@code tls_version} set */
    public TlsSettings withTlsVersion(String version) {
        return new TlsSettings(cafile, capath, certfile, keyfile, keyPassword, requireCertificate, version, ciphers,
                ciphersTls13, crlfile);
    }

    /** @return a copy with {@code ciphers} set */
    public TlsSettings withCiphers(String list) {
        return new TlsSettings(cafile, capath, certfile, keyfile, keyPassword, requireCertificate, tlsVersion, list,
                ciphersTls13, crlfile);
    }

    /** @return a copy with {@code ciphers_tls1.3} set */
    public TlsSettings withCiphersTls13(String list) {
        return new TlsSettings(cafile, capath, certfile, keyfile, keyPassword, requireCertificate, tlsVersion, ciphers,
                list, crlfile);
    }

    /** @return a copy with {@code crlfile} set */
    public TlsSettings withCrlfile(Path file) {
        return new TlsSettings(cafile, capath, certfile, keyfile, keyPassword, requireCertificate, tlsVersion, ciphers,
                ciphersTls13, file);
    }

    /** @return a copy with a key password (embedding API only; see the record description) */
    public TlsSettings withKeyPassword(char[] password) {
        return new TlsSettings(cafile, capath, certfile, keyfile, password, requireCertificate, tlsVersion, ciphers,
                ciphersTls13, crlfile);
    }
}
