package io.tern.broker.transport;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import java.net.Socket;
import java.security.Principal;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates made at test time: a CA, a server certificate for 127.0.0.1, and client certificates. */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A key, its certificate and the PEM files they were written to. */
    public record Issued(KeyPair keys, X509Certificate cert, Path certFile, Path keyFile) {
    }

    public final Path dir;
    public final Issued ca;

    public TestPki(Path dir, String caName) throws Exception {
        this.dir = dir;
        KeyPair caKeys = ecKeys();
        X500Name name = new X500Name("CN=" + caName + ",O=Tern Test");
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(Instant.now().minus(Duration.ofDays(1))),
                Date.from(Instant.now().plus(Duration.ofDays(30))), name, caKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate cert = sign(b, caKeys.getPrivate());
        this.ca = write(caName.replace(' ', '-'), caKeys, cert);
    }

    private TestPki(Path dir, Issued ca) {
        this.dir = dir;
        this.ca = ca;
    }

    /** An intermediate CA signed by this CA, as a PKI that issues certificates from it. */
    public TestPki intermediate(String caName) throws Exception {
        KeyPair keys = ecKeys();
        X509v3CertificateBuilder b = builder("CN=" + caName + ",O=Tern Test", keys, Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(30)));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new TestPki(dir, write(caName.replace(' ', '-'), keys, sign(b, ca.keys().getPrivate())));
    }

    /** A server certificate valid for 127.0.0.1 and localhost. */
    public Issued server() throws Exception {
        KeyPair keys = ecKeys();
        X509v3CertificateBuilder b = builder("CN=localhost,O=Tern Test", keys, Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(30)));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        return write("server", keys, sign(b, ca.keys().getPrivate()));
    }

    /** A client certificate with the given subject (RFC 2253 order, as X500Name takes it). */
    public Issued client(String fileName, String subject) throws Exception {
        return client(fileName, subject, Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)));
    }

    public Issued client(String fileName, String subject, Instant notBefore, Instant notAfter) throws Exception {
        KeyPair keys = ecKeys();
        return write(fileName, keys, sign(builder(subject, keys, notBefore, notAfter), ca.keys().getPrivate()));
    }

    public Issued client(String fileName, X500Name subject) throws Exception {
        KeyPair keys = ecKeys();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName(),
                serial(), Date.from(Instant.now().minus(Duration.ofDays(1))), Date.from(Instant.now().plus(Duration.ofDays(30))),
                subject, keys.getPublic());
        return write(fileName, keys, sign(b, ca.keys().getPrivate()));
    }

    /** A PEM CRL from this CA revoking the given certificates. */
    public Path crl(String fileName, X509Certificate... revoked) throws Exception {
        X509v2CRLBuilder b = new X509v2CRLBuilder(caName(),
                Date.from(Instant.now().minus(Duration.ofHours(1))));
        b.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(7))));
        for (X509Certificate c : revoked) {
            b.addCRLEntry(c.getSerialNumber(), Date.from(Instant.now().minus(Duration.ofMinutes(30))), CRLReason.keyCompromise);
        }
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(ca.keys().getPrivate());
        Path file = dir.resolve(fileName);
        try (JcaPEMWriter w = new JcaPEMWriter(Files.newBufferedWriter(file))) {
            w.writeObject(b.build(signer));
        }
        return file;
    }

    /** A client-side SSLContext trusting this CA and, if given, presenting {@code client}. */
    public SSLContext clientContext(Issued client, String protocol) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", client.keys().getPrivate(), "x".toCharArray(), new X509Certificate[] {client.cert()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "x".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance(protocol);
        ctx.init(kmf == null ? null : new KeyManager[] {new Insistent((X509ExtendedKeyManager) kmf.getKeyManagers()[0])},
                tmf.getTrustManagers(), null);
        return ctx;
    }

    /**
     * Presents the client certificate whatever CAs the server asks for, as OpenSSL clients do; the JDK's
     * key manager would send an empty chain to a server that trusts another CA, hiding the server's check.
     */
    private static final class Insistent extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;

        Insistent(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"me"};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "me";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "me";
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }

    private X500Name caName() {
        return X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded());
    }

    private X509v3CertificateBuilder builder(String subject, KeyPair keys, Instant notBefore, Instant notAfter) {
        return new JcaX509v3CertificateBuilder(caName(), serial(),
                Date.from(notBefore), Date.from(notAfter), new X500Name(subject), keys.getPublic());
    }

    private Issued write(String name, KeyPair keys, X509Certificate cert) throws IOException {
        Path certFile = dir.resolve(name + ".crt");
        Path keyFile = dir.resolve(name + ".key");
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()));
        return new Issued(keys, cert, certFile, keyFile);
    }

    public static String pem(Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        }
        return s.toString();
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    static InetAddress loopback() throws IOException {
        return InetAddress.getByName("127.0.0.1");
    }
}
