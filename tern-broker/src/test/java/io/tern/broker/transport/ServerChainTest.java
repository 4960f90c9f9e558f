package io.tern.broker.transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A certfile holding only the server certificate is sent with the intermediates from the cafile, as OpenSSL
 * (and so Mosquitto) builds the chain: a client that trusts only the root can then verify the server.
 */
class ServerChainTest {

    @TempDir
    Path dir;

    @Test
    void intermediatesComeFromTheCafile() throws Exception {
        TestPki root = new TestPki(dir, "Root CA");
        TestPki signing = root.intermediate("Signing CA");
        TestPki.Issued server = signing.server();
        Path all = dir.resolve("all-ca.crt");
        Files.writeString(all, Files.readString(signing.ca.certFile()) + Files.readString(root.ca.certFile()));
        TlsSettings settings = TlsSettings.of(server.certFile(), server.keyFile()).withCafile(all);
        List<X509Certificate> chain = TlsContextFactory.completedChain(List.of(server.cert()), settings);
        // the root stays out: the client has it
        assertThat(chain).containsExactly(server.cert(), signing.ca.cert());
        assertThat(TlsContextFactory.completedChain(List.of(server.cert()),
                TlsSettings.of(server.certFile(), server.keyFile()))).containsExactly(server.cert());
    }
}
