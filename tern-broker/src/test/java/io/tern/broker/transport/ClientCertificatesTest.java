package io.tern.broker.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** use_identity_as_username / use_subject_as_username, checked against OpenSSL's own RFC 2253 printing. */
class ClientCertificatesTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {
            "C=GB,ST=Nottinghamshire,L=Nottingham,O=Server,OU=Production,CN=test client",
            "CN=reversed,O=Tern",
            "C=FR,O=Société Générale,CN=capteur é",
            "O=a\\,b\\+c\\;d,CN=\\#hash,OU=\\ lead and trail\\ ",
            "DC=org,DC=example,UID=u1,E=someone@example.org,CN=with mail",
            "O=Tern,CN=multi+SERIALNUMBER=42"})
    void subjectIsPrintedAsOpenSslDoes(String subject) throws Exception {
        TestPki pki = new TestPki(dir, "CA");
        TestPki.Issued c = pki.client("c", subject);
        assertThat(ClientCertificates.subject(c.cert())).isEqualTo(openSslSubject(c.certFile()));
    }

    @Test
    void unknownAttributeIsDumpedAsHexDer() throws Exception {
        TestPki pki = new TestPki(dir, "CA");
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
        b.addRDN(new ASN1ObjectIdentifier("1.2.3.4.5"), new DERUTF8String("abc"));
        b.addRDN(BCStyle.CN, "x");
        TestPki.Issued c = pki.client("u", b.build());
        assertThat(ClientCertificates.subject(c.cert())).isEqualTo("CN=x,1.2.3.4.5=#0C03616263")
                .isEqualTo(openSslSubject(c.certFile()));
    }

    @Test
    void commonNameIsTheFirstCn() throws Exception {
        TestPki pki = new TestPki(dir, "CA");
        assertThat(ClientCertificates.commonName(pki.client("a", "C=GB,O=Tern,CN=sensor1").cert())).contains("sensor1");
        assertThat(ClientCertificates.commonName(pki.client("b", "O=Tern").cert())).isEmpty();
    }

    private static String openSslSubject(Path cert) throws Exception {
        Process p = new ProcessBuilder("openssl", "x509", "-in", cert.toString(), "-noout", "-subject", "-nameopt", "RFC2253")
                .redirectErrorStream(true).start();
        boolean done = p.waitFor(20, TimeUnit.SECONDS);
        Assumptions.assumeTrue(done && p.exitValue() == 0, "SKIPPED: openssl CLI unavailable");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return out.substring("subject=".length());
    }
}
