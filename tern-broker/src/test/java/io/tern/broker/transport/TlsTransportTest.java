package io.tern.broker.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;

/** Certificate TLS with real peers (mosquitto_pub and JDK SSLSockets), on both TLS providers. */
class TlsTransportTest {

    private static final byte[] CONNECT = {0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00};
    private static final byte[] CONNACK = {0x20, 0x02, 0x00, 0x00};

    @TempDir
    Path dir;
    TestPki pki;
    TestPki.Issued server;
    TestPki.Issued client;

    static Stream<SslProvider> providers() {
        return OpenSsl.isAvailable() ? Stream.of(SslProvider.JDK, SslProvider.OPENSSL) : Stream.of(SslProvider.JDK);
    }

    @BeforeEach
    void pki() throws Exception {
        pki = new TestPki(dir, "Tern Test CA");
        server = pki.server();
        client = pki.client("client", "C=GB,O=Tern Test,CN=sensor1"); // X500Name keeps this DER order
    }

    private TlsSettings base() {
        return TlsSettings.of(server.certFile(), server.keyFile()).withCafile(pki.ca.certFile());
    }

    /** Starts a server whose pipeline is the SslHandler, recording the client CN and subject on success. */
    private MqttTestServer serve(SslContext context, AtomicReference<String> identity) throws InterruptedException {
        return new MqttTestServer(ch -> {
            SslHandler ssl = context.newHandler(ch.alloc());
            ch.pipeline().addLast("ssl", ssl);
            ssl.handshakeFuture().addListener(f -> {
                if (f.isSuccess() && identity != null) {
                    identity.set(ClientCertificates.commonName(ssl).orElse("-") + " | " + ClientCertificates.subject(ssl).orElse("-"));
                }
            });
        });
    }

    @ParameterizedTest
    @MethodSource("providers")
    void mosquittoPubPublishesOverTls(SslProvider provider) throws Exception {
        MosquittoClients.assumePresent();
        try (MqttTestServer s = serve(TlsContextFactory.create(base(), provider), null)) {
            MosquittoClients.Result r = MosquittoClients.pub("--cafile", pki.ca.certFile().toString(), "-h", "127.0.0.1",
                    "-p", String.valueOf(s.port()), "-t", "t", "-m", "x");
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(s.publishes.poll(10, TimeUnit.SECONDS)).isEqualTo("t=x");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void mosquittoPubWithClientCertificateIsAcceptedAndNamed(SslProvider provider) throws Exception {
        MosquittoClients.assumePresent();
        AtomicReference<String> identity = new AtomicReference<>();
        try (MqttTestServer s = serve(TlsContextFactory.create(base().withRequireCertificate(true), provider), identity)) {
            MosquittoClients.Result r = MosquittoClients.pub("--cafile", pki.ca.certFile().toString(),
                    "--cert", client.certFile().toString(), "--key", client.keyFile().toString(),
                    "-h", "127.0.0.1", "-p", String.valueOf(s.port()), "-t", "t", "-m", "with-cert");
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(s.publishes.poll(10, TimeUnit.SECONDS)).isEqualTo("t=with-cert");
            assertThat(identity.get()).isEqualTo("sensor1 | CN=sensor1,O=Tern Test,C=GB");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void mosquittoPubWithoutCertificateIsRejectedWhenRequired(SslProvider provider) throws Exception {
        MosquittoClients.assumePresent();
        try (MqttTestServer s = serve(TlsContextFactory.create(base().withRequireCertificate(true), provider), null)) {
            MosquittoClients.Result r = MosquittoClients.pub("--cafile", pki.ca.certFile().toString(), "-h", "127.0.0.1",
                    "-p", String.valueOf(s.port()), "-t", "t", "-m", "x");
            assertThat(r.exitCode()).as(r.output()).isNotZero();
            assertThat(handshakeFailure(s)).containsIgnoringCase("certificate");
            assertThat(s.publishes).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void javaClientWithCertificateIsAccepted(SslProvider provider) throws Exception {
        AtomicReference<String> identity = new AtomicReference<>();
        try (MqttTestServer s = serve(TlsContextFactory.create(base().withRequireCertificate(true), provider), identity)) {
            assertThat(connect(s, pki.clientContext(client, "TLS"))).isEqualTo(CONNACK);
            assertThat(identity.get()).startsWith("sensor1 |");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void javaClientWithoutCertificateIsRejected(SslProvider provider) throws Exception {
        try (MqttTestServer s = serve(TlsContextFactory.create(base().withRequireCertificate(true), provider), null)) {
            assertThatThrownBy(() -> connect(s, pki.clientContext(null, "TLS"))).isInstanceOf(IOException.class);
            assertThat(handshakeFailure(s)).containsIgnoringCase("certificate");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void certificateFromAnotherCaIsRejected(SslProvider provider) throws Exception {
        TestPki other = new TestPki(Files.createDirectories(dir.resolve("other")), "Other CA");
        TestPki.Issued stranger = other.client("stranger", "CN=stranger");
        try (MqttTestServer s = serve(TlsContextFactory.create(base().withRequireCertificate(true), provider), null)) {
            assertThatThrownBy(() -> connect(s, pki.clientContext(stranger, "TLS"))).isInstanceOf(IOException.class);
            assertThat(handshakeFailure(s)).containsAnyOf("certification path", "CERTIFICATE_VERIFY_FAILED");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void expiredCertificateIsRejected(SslProvider provider) throws Exception {
        TestPki.Issued expired = pki.client("expired", "CN=old", Instant.now().minus(Duration.ofDays(10)),
                Instant.now().minus(Duration.ofDays(1)));
        try (MqttTestServer s = serve(TlsContextFactory.create(base().withRequireCertificate(true), provider), null)) {
            assertThatThrownBy(() -> connect(s, pki.clientContext(expired, "TLS"))).isInstanceOf(IOException.class);
            assertThat(handshakeFailure(s)).containsAnyOf("validity", "expired", "EXPIRED");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void revokedCertificateIsRejectedAndOthersStillAccepted(SslProvider provider) throws Exception {
        TestPki.Issued revoked = pki.client("revoked", "CN=revoked");
        Path crl = pki.crl("ca.crl", revoked.cert());
        SslContext context = TlsContextFactory.create(base().withRequireCertificate(true).withCrlfile(crl), provider);
        try (MqttTestServer s = serve(context, null)) {
            assertThatThrownBy(() -> connect(s, pki.clientContext(revoked, "TLS"))).isInstanceOf(IOException.class);
            assertThat(handshakeFailure(s)).containsAnyOf("revoked", "REVOKED");
            assertThat(connect(s, pki.clientContext(client, "TLS"))).isEqualTo(CONNACK);
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void mosquittoPubWithRevokedCertificateIsRejected(SslProvider provider) throws Exception {
        MosquittoClients.assumePresent();
        TestPki.Issued revoked = pki.client("revoked", "CN=revoked");
        Path crl = pki.crl("ca.crl", revoked.cert());
        try (MqttTestServer s = serve(TlsContextFactory.create(base().withRequireCertificate(true).withCrlfile(crl), provider), null)) {
            MosquittoClients.Result r = MosquittoClients.pub("--cafile", pki.ca.certFile().toString(),
                    "--cert", revoked.certFile().toString(), "--key", revoked.keyFile().toString(),
                    "-h", "127.0.0.1", "-p", String.valueOf(s.port()), "-t", "t", "-m", "x");
            assertThat(r.exitCode()).as(r.output()).isNotZero();
            assertThat(handshakeFailure(s)).containsAnyOf("revoked", "REVOKED");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void tlsVersionIsTheMinimum(SslProvider provider) throws Exception {
        try (MqttTestServer s = serve(TlsContextFactory.create(base().withTlsVersion("tlsv1.3"), provider), null)) {
            assertThatThrownBy(() -> connect(s, pki.clientContext(null, "TLSv1.2"))).isInstanceOf(IOException.class);
            assertThat(connect(s, pki.clientContext(null, "TLSv1.3"))).isEqualTo(CONNACK);
        }
        try (MqttTestServer s = serve(TlsContextFactory.create(base().withTlsVersion("tlsv1.2"), provider), null)) {
            assertThat(connect(s, pki.clientContext(null, "TLSv1.2"))).isEqualTo(CONNACK);
            assertThat(connect(s, pki.clientContext(null, "TLSv1.3"))).isEqualTo(CONNACK);
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void openSslCipherNamesSelectTheSuite(SslProvider provider) throws Exception {
        TlsSettings settings = base().withTlsVersion("tlsv1.2").withCiphers("ECDHE-ECDSA-AES256-GCM-SHA384:!aNULL");
        try (MqttTestServer s = serve(TlsContextFactory.create(settings, provider), null)) {
            SSLContext ctx = pki.clientContext(null, "TLSv1.2");
            try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", s.port())) {
                socket.setSoTimeout(10_000);
                socket.startHandshake();
                assertThat(socket.getSession().getCipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
            }
        }
    }

    @Test
    void cipherListThatNamesNothingIsAnError() {
        assertThatThrownBy(() -> TlsContextFactory.create(base().withCiphers("NOPE-CIPHER"), SslProvider.JDK))
                .isInstanceOf(TransportConfigException.class).hasMessageContaining("ciphers \"NOPE-CIPHER\"");
    }

    @Test
    void ciphersTls13UsesTheJdkProvider() throws Exception {
        TlsSettings settings = base().withCiphersTls13("TLS_AES_256_GCM_SHA384");
        Assumptions.assumeTrue(OpenSsl.isAvailable(), "OpenSSL not available: nothing to fall back from");
        assertThat(TlsContextFactory.provider(settings)).startsWith("JDK");
        try (MqttTestServer s = serve(TlsContextFactory.create(settings), null)) {
            try (SSLSocket socket = (SSLSocket) pki.clientContext(null, "TLSv1.3").getSocketFactory().createSocket("127.0.0.1", s.port())) {
                socket.setSoTimeout(10_000);
                socket.startHandshake();
                assertThat(socket.getSession().getCipherSuite()).isEqualTo("TLS_AES_256_GCM_SHA384");
            }
        }
    }

    @Test
    void missingAndBrokenFilesNameTheOptionAndPath() throws Exception {
        Path missing = dir.resolve("nope.crt");
        assertThatThrownBy(() -> TlsContextFactory.create(TlsSettings.of(missing, server.keyFile())))
                .isInstanceOf(TransportConfigException.class).hasMessage("certfile " + missing + ": no such file");
        assertThatThrownBy(() -> TlsContextFactory.create(TlsSettings.of(server.certFile(), server.certFile())))
                .hasMessageContaining("keyfile " + server.certFile()).hasMessageContaining("no PEM private key");
        assertThatThrownBy(() -> TlsContextFactory.create(TlsSettings.of(server.certFile(), client.keyFile())))
                .hasMessageContaining("does not belong to certfile");
        assertThatThrownBy(() -> TlsContextFactory.create(base().withRequireCertificate(true).withCrlfile(dir.resolve("x.crl"))))
                .hasMessageContaining("crlfile " + dir.resolve("x.crl") + ": no such file");
        assertThatThrownBy(() -> TlsContextFactory.create(base().withTlsVersion("tlsv1.0")))
                .hasMessageContaining("tls_version \"tlsv1.0\"");
        assertThatThrownBy(() -> TlsContextFactory.create(TlsSettings.of(server.certFile(), server.keyFile())
                .withRequireCertificate(true))).hasMessageContaining("cafile or capath");
        Path unreadable = Files.writeString(dir.resolve("garbage.crt"), "not pem at all\n");
        assertThatThrownBy(() -> TlsContextFactory.create(TlsSettings.of(unreadable, server.keyFile())))
                .hasMessageContaining("certfile " + unreadable + ": no PEM certificate");
    }

    @Test
    void encryptedKeyfileIsRefusedWithoutAPassword() throws Exception {
        Path encrypted = dir.resolve("enc.key");
        Process p = new ProcessBuilder("openssl", "pkcs8", "-topk8", "-in", server.keyFile().toString(), "-out",
                encrypted.toString(), "-passout", "pass:secret").redirectErrorStream(true).start();
        Assumptions.assumeTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "SKIPPED: openssl CLI unavailable");
        assertThatThrownBy(() -> TlsContextFactory.create(TlsSettings.of(server.certFile(), encrypted)))
                .hasMessageContaining("keyfile " + encrypted + ": the private key is encrypted");
        assertThat(TlsContextFactory.create(TlsSettings.of(server.certFile(), encrypted).withKeyPassword("secret".toCharArray())))
                .isNotNull();
    }

    @Test
    void traditionalOpenSslKeyFormatsAreRead() throws Exception {
        Path sec1 = dir.resolve("sec1.key");
        Process p = new ProcessBuilder("openssl", "ec", "-in", server.keyFile().toString(), "-out", sec1.toString())
                .redirectErrorStream(true).start();
        Assumptions.assumeTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "SKIPPED: openssl CLI unavailable");
        assertThat(Files.readString(sec1)).contains("BEGIN EC PRIVATE KEY");
        try (MqttTestServer s = serve(TlsContextFactory.create(TlsSettings.of(server.certFile(), sec1), SslProvider.JDK), null)) {
            assertThat(connect(s, pki.clientContext(null, "TLS"))).isEqualTo(CONNACK);
        }
    }

    @Test
    void capathReadsEveryCertificateInTheDirectory() throws Exception {
        Path capath = Files.createDirectories(dir.resolve("capath"));
        Files.copy(pki.ca.certFile(), capath.resolve("ca.pem"));
        Files.writeString(capath.resolve("README"), "not a certificate\n");
        TlsSettings settings = TlsSettings.of(server.certFile(), server.keyFile()).withCapath(capath).withRequireCertificate(true);
        try (MqttTestServer s = serve(TlsContextFactory.create(settings, SslProvider.JDK), null)) {
            assertThat(connect(s, pki.clientContext(client, "TLS"))).isEqualTo(CONNACK);
        }
    }

    @Test
    void providerIsReported() {
        assertThat(TlsContextFactory.provider()).isIn(OpenSsl.isAvailable() ? "OpenSSL (netty-tcnative " + OpenSsl.versionString() + ")" : "JDK");
    }

    /** Connects, sends CONNECT and returns the 4 bytes answered; any TLS rejection surfaces as an IOException. */
    private static byte[] connect(MqttTestServer s, SSLContext ctx) throws IOException {
        try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", s.port())) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            out.write(CONNECT);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] answer = in.readNBytes(4);
            if (answer.length < 4) {
                throw new IOException("connection closed by the server after " + answer.length + " bytes");
            }
            return answer;
        }
    }

    /** The server-side reason of the first failed handshake, waiting for it up to 10 s. */
    private static String handshakeFailure(MqttTestServer s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Object e = s.events.poll(100, TimeUnit.MILLISECONDS);
            if (e instanceof SslHandshakeCompletionEvent c && !c.isSuccess()) {
                StringBuilder all = new StringBuilder();
                for (Throwable t = c.cause(); t != null; t = t.getCause()) {
                    all.append(t).append(" / ");
                }
                return all.toString();
            }
        }
        throw new AssertionError("no failed handshake was reported; server log: " + s.log);
    }
}
