package io.tern.client;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

/** Builds the JDK-provider {@link SslContext} for certificate TLS from {@link TlsSettings}. */
final class TlsContexts {

    private TlsContexts() {
    }

    static SslContext forClient(TlsSettings tls) throws IOException, GeneralSecurityException {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                // Netty 4.2 checks the host name by default; --insecure means exactly not doing that
                .endpointIdentificationAlgorithm(tls.insecure() ? null : "HTTPS");
        if (tls.caFile() != null || tls.caPath() != null) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int n = 0;
            if (tls.caFile() != null) {
                n = addCertificates(ks, tls.caFile(), n);
            }
            if (tls.caPath() != null) {
                try (DirectoryStream<Path> dir = Files.newDirectoryStream(tls.caPath())) {
                    for (Path p : dir) {
                        if (Files.isRegularFile(p)) {
                            try {
                                n = addCertificates(ks, p, n);
                            } catch (GeneralSecurityException | IOException e) {
                                // a capath holds hash links and other files too; only certificates count
                            }
                        }
                    }
                }
            }
            if (n == 0) {
                throw new GeneralSecurityException("no CA certificate found in "
                        + (tls.caFile() != null ? tls.caFile() : tls.caPath()));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            b.trustManager(tmf);
        }
        if (tls.certFile() != null) {
            if (tls.keyFile() == null) {
                throw new GeneralSecurityException("a client certificate needs its key file too");
            }
            b.keyManager(tls.certFile().toFile(), tls.keyFile().toFile());
        }
        if (!tls.protocols().isEmpty()) {
            b.protocols(tls.protocols());
        }
        if (!tls.ciphers().isEmpty()) {
            b.ciphers(tls.ciphers());
        }
        if (!tls.alpn().isEmpty()) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, tls.alpn()));
        }
        return b.build();
    }

    private static int addCertificates(KeyStore ks, Path file, int n) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate c : cf.generateCertificates(in)) {
                ks.setCertificateEntry("ca-" + n++, c);
            }
        }
        return n;
    }
}
