package io.tern.broker.transport;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/**
 * Builds the server {@link SslContext} of a certificate-based TLS listener from Mosquitto's options.
 *
 * <p>The OpenSSL provider (netty-tcnative with BoringSSL) is used when it loads, the JDK's otherwise.
 * BoringSSL cannot restrict TLS 1.3 suites, so a listener with {@code ciphers_tls1.3} uses the JDK provider
 * (and {@link #provider(TlsSettings)} says so). Client certificates are verified by a JDK PKIX trust manager
 * on both providers, which is what makes {@code crlfile} work on BoringSSL too.
 *
 * <p>Use: {@code pipeline.addLast("ssl", context.newHandler(channel.alloc()))} first in the listener's
 * pipeline; after Netty's {@code SslHandshakeCompletionEvent.SUCCESS}, {@link ClientCertificates} gives the
 * CN or subject for {@code use_identity_as_username} / {@code use_subject_as_username}.
 */
public final class TlsContextFactory {

    private static final Logger LOG = LoggerFactory.getLogger(TlsContextFactory.class);

    private TlsContextFactory() {
    }

    /**
     * Builds the context with the provider {@link #provider(TlsSettings)} picks.
     *
     * @param settings the listener's options
     * @return a server context; {@code newHandler(alloc)} gives each connection its SslHandler
     * @throws TransportConfigException naming the option and path when a file is missing, unreadable or wrong,
     *                                  or a value is invalid
     */
    public static SslContext create(TlsSettings settings) {
        return create(settings, useOpenSsl(settings) ? SslProvider.OPENSSL : SslProvider.JDK);
    }

    /**
     * The server chain with the intermediate CAs the certfile leaves out taken from the cafile, as OpenSSL (and so
     * Mosquitto) builds it, so clients that trust only the root can verify the server.
     */
    static List<X509Certificate> completedChain(List<X509Certificate> chain, TlsSettings settings) {
        if (settings.cafile() == null) {
            return chain;
        }
        List<X509Certificate> cas = PemFiles.certificates("cafile", settings.cafile());
        List<X509Certificate> out = new java.util.ArrayList<>(chain);
        while (out.size() < 10) {
            X509Certificate last = out.get(out.size() - 1);
            if (last.getIssuerX500Principal().equals(last.getSubjectX500Principal())) {
                break; // a root
            }
            X509Certificate issuer = null;
            for (X509Certificate ca : cas) {
                if (ca.getSubjectX500Principal().equals(last.getIssuerX500Principal()) && !out.contains(ca)
                        && !ca.getIssuerX500Principal().equals(ca.getSubjectX500Principal()) && signed(last, ca)) {
                    issuer = ca;
                    break;
                }
            }
            if (issuer == null) {
                break;
            }
            out.add(issuer);
        }
        return out;
    }

    private static boolean signed(X509Certificate cert, X509Certificate by) {
        try {
            cert.verify(by.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * Builds the context with a given provider (tests run every case on both).
     *
     * @param settings the listener's options
     * @param provider {@link SslProvider#JDK} or {@link SslProvider#OPENSSL}
     * @return a server context
     */
    public static SslContext create(TlsSettings settings, SslProvider provider) {
        if (settings.certfile() == null || settings.keyfile() == null) {
            throw new TransportConfigException("certfile and keyfile must both be set for a certificate-based TLS listener"
                    + " (certfile=" + settings.certfile() + ", keyfile=" + settings.keyfile() + ")");
        }
        List<X509Certificate> chain = PemFiles.certificates("certfile", settings.certfile());
        PrivateKey key = PemFiles.privateKey("keyfile", settings.keyfile(), settings.keyPassword());
        PemFiles.checkKeyMatches(key, chain.get(0), settings.keyfile(), settings.certfile());
        chain = completedChain(chain, settings);

        SslContextBuilder builder = SslContextBuilder.forServer(key, chain)
                .sslProvider(provider)
                .protocols(protocols(settings.tlsVersion()));

        if (settings.requireCertificate()) {
            builder.clientAuth(ClientAuth.REQUIRE).trustManager(trustManagers(settings));
        } else {
            if (settings.crlfile() != null) {
                LOG.warn("crlfile {} has no effect: require_certificate is false, so no client certificate is requested",
                        settings.crlfile());
            }
            builder.clientAuth(ClientAuth.NONE);
        }

        List<String> ciphers = ciphers(settings, provider);
        if (ciphers != null) {
            builder.ciphers(ciphers, IdentityCipherSuiteFilter.INSTANCE);
        }
        try {
            return builder.build();
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            throw new TransportConfigException("cannot build the TLS context from certfile " + settings.certfile()
                    + " and keyfile " + settings.keyfile() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Says which TLS implementation {@link #create(TlsSettings)} uses for these settings, for the start-up log.
     *
     * @param settings the listener's options
     * @return {@code "OpenSSL (netty-tcnative BoringSSL)"} or {@code "JDK"}, with the reason when OpenSSL is
     *         available but not used
     */
    public static String provider(TlsSettings settings) {
        if (useOpenSsl(settings)) {
            return "OpenSSL (netty-tcnative " + OpenSsl.versionString() + ")";
        }
        if (OpenSsl.isAvailable()) {
            return "JDK (BoringSSL cannot restrict TLS 1.3 suites, which ciphers_tls1.3 asks for)";
        }
        return "JDK";
    }

    /** @return {@code "OpenSSL (netty-tcnative BoringSSL)"} when tcnative loads on this machine, else {@code "JDK"} */
    public static String provider() {
        return OpenSsl.isAvailable() ? "OpenSSL (netty-tcnative " + OpenSsl.versionString() + ")" : "JDK";
    }

    private static boolean useOpenSsl(TlsSettings settings) {
        return OpenSsl.isAvailable() && settings.ciphersTls13() == null;
    }

    /** Mosquitto 2.x: tls_version is the minimum; unset means TLS 1.2 and 1.3. */
    static String[] protocols(String tlsVersion) {
        if (tlsVersion == null) {
            return new String[] {"TLSv1.3", "TLSv1.2"};
        }
        return switch (tlsVersion.toLowerCase(Locale.ROOT)) {
            case "tlsv1.3" -> new String[] {"TLSv1.3"};
            case "tlsv1.2" -> new String[] {"TLSv1.3", "TLSv1.2"};
            case "tlsv1.1" -> new String[] {"TLSv1.3", "TLSv1.2", "TLSv1.1"};
            default -> throw new TransportConfigException("tls_version \"" + tlsVersion
                    + "\" is not supported: use tlsv1.3, tlsv1.2 or tlsv1.1");
        };
    }

    private static TrustManagerFactory trustManagers(TlsSettings settings) {
        List<X509Certificate> anchors = new ArrayList<>();
        if (settings.cafile() != null) {
            anchors.addAll(PemFiles.certificates("cafile", settings.cafile()));
        }
        if (settings.capath() != null) {
            anchors.addAll(PemFiles.certificatesInDirectory("capath", settings.capath()));
        }
        if (anchors.isEmpty()) {
            throw new TransportConfigException("require_certificate true needs cafile or capath to verify client certificates");
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < anchors.size(); i++) {
                store.setCertificateEntry("ca-" + i, anchors.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            if (settings.crlfile() == null) {
                factory.init(store);
                return factory;
            }
            List<X509CRL> crls = PemFiles.crls("crlfile", settings.crlfile());
            PKIXBuilderParameters params = new PKIXBuilderParameters(store, new X509CertSelector());
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
            // OpenSSL's X509_V_FLAG_CRL_CHECK: only the client's own certificate is checked, a CRL from its issuer
            // must be present, and nothing is fetched from the network.
            PKIXRevocationChecker checker = (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX").getRevocationChecker();
            checker.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS,
                    PKIXRevocationChecker.Option.ONLY_END_ENTITY, PKIXRevocationChecker.Option.NO_FALLBACK));
            params.addCertPathChecker(checker);
            params.setRevocationEnabled(true);
            factory.init(new CertPathTrustManagerParameters(params));
            return factory;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TransportConfigException("cannot set up client certificate verification from cafile "
                    + settings.cafile() + " / capath " + settings.capath() + ": " + e.getMessage(), e);
        }
    }

    /** The suites to enable, IANA names, or null to keep the provider's defaults. */
    private static List<String> ciphers(TlsSettings settings, SslProvider provider) {
        if (settings.ciphers() == null && settings.ciphersTls13() == null) {
            return null;
        }
        List<String> supported;
        List<String> defaults;
        if (provider == SslProvider.OPENSSL) {
            supported = new ArrayList<>(OpenSsl.availableJavaCipherSuites());
            defaults = supported; // BoringSSL's defaults are already the modern subset
        } else {
            try {
                SSLEngine engine = SSLContext.getDefault().createSSLEngine();
                supported = Arrays.asList(engine.getSupportedCipherSuites());
                defaults = Arrays.asList(engine.getEnabledCipherSuites());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK has no default TLS context", e);
            }
        }
        List<String> out = new ArrayList<>();
        if (settings.ciphers() != null) {
            OpenSslCipherList.Result result = new OpenSslCipherList(supported, defaults).resolve(settings.ciphers());
            if (!result.unknownTokens().isEmpty()) {
                LOG.warn("ciphers \"{}\": {} names no cipher suite the {} provider supports; skipped",
                        settings.ciphers(), result.unknownTokens(), provider);
            }
            if (result.suites().isEmpty()) {
                throw new TransportConfigException("ciphers \"" + settings.ciphers()
                        + "\": no cipher suite in the list is supported by the " + provider + " provider");
            }
            out.addAll(result.suites());
        } else {
            defaults.stream().filter(s -> !OpenSslCipherList.isTls13(s)).forEach(out::add);
        }
        if (settings.ciphersTls13() != null) {
            List<String> tls13 = new ArrayList<>();
            for (String name : settings.ciphersTls13().split(":")) {
                String trimmed = name.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (!OpenSslCipherList.isTls13(trimmed) || !supported.contains(trimmed)) {
                    throw new TransportConfigException("ciphers_tls1.3 \"" + settings.ciphersTls13() + "\": " + trimmed
                            + " is not a TLS 1.3 suite the " + provider + " provider supports");
                }
                tls13.add(trimmed);
            }
            out.addAll(tls13);
        } else {
            supported.stream().filter(OpenSslCipherList::isTls13).distinct().forEach(out::add);
        }
        return out;
    }

    /**
     * A one-line reason for a failed TLS handshake, for the broker's "Client connection from X failed: ..."
     * log line. The OpenSSL provider reports "General OpenSslEngine problem" on top and the trust manager's
     * real reason (revoked, expired, unknown CA) in the causes, so the innermost message is the useful one.
     *
     * @param failure the cause of Netty's failed {@code SslHandshakeCompletionEvent}
     * @return the innermost message, e.g. "Certificate has been revoked, reason: KEY_COMPROMISE, ..."
     */
    public static String reason(Throwable failure) {
        String reason = String.valueOf(failure);
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null) {
                reason = t.getMessage();
            }
        }
        return reason;
    }
}
