package io.tern.client;

import io.tern.codec.MqttVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ssl:// and wss:// against Mosquitto's TLS listeners, with certificates made by openssl for the test. */
class TlsMosquittoTest {

    @TempDir
    Path dir;

    private MosquittoBroker broker;
    private int tlsPort;
    private int wssPort;
    private int wrongNamePort;

    private void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(out)).isZero();
    }

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "SKIPPED: openssl not installed");
        MosquittoBroker.assumeInstalled();
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=Tern Test CA");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=localhost");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.crt", "-days", "2", "-extfile", "san.ext");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.crt",
                "-days", "2", "-subj", "/CN=Someone Else");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "wrong.key", "-out", "wrong.csr",
                "-subj", "/CN=wrong.example");
        Files.writeString(dir.resolve("wrong.ext"), "subjectAltName=DNS:wrong.example\n");
        openssl("x509", "-req", "-in", "wrong.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "wrong.crt", "-days", "2", "-extfile", "wrong.ext");
        tlsPort = freePort();
        wrongNamePort = freePort();
        wssPort = freePort();
        String tls = "cafile " + dir.resolve("ca.crt") + "\ncertfile " + dir.resolve("server.crt") + "\nkeyfile "
                + dir.resolve("server.key") + "\n";
        broker = MosquittoBroker.start(dir, false, "listener " + tlsPort + " 127.0.0.1\n" + tls
                + "listener " + wssPort + " 127.0.0.1\nprotocol websockets\n" + tls
                + "listener " + wrongNamePort + " 127.0.0.1\ncafile " + dir.resolve("ca.crt") + "\ncertfile "
                + dir.resolve("wrong.crt") + "\nkeyfile " + dir.resolve("wrong.key") + "\n");
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.kill();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void publishesAndReceivesOverTlsAndSecureWebSockets() throws Exception {
        for (String uri : List.of("ssl://127.0.0.1:" + tlsPort, "wss://127.0.0.1:" + wssPort + "/mqtt")) {
            try (MqttClient c = MqttClient.builder().serverUri(uri).version(MqttVersion.MQTT_5)
                    .tls(TlsSettings.trusting(dir.resolve("ca.crt"))).connectTimeout(Duration.ofSeconds(10)).build()) {
                c.connect().get(10, TimeUnit.SECONDS);
                BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
                c.subscribe("tls/t", 1, got::add).get(5, TimeUnit.SECONDS);
                c.publish("tls/t", "secret", 1, false).get(5, TimeUnit.SECONDS);
                MqttMessage m = got.poll(5, TimeUnit.SECONDS);
                assertThat(m).as(uri).isNotNull();
                assertThat(m.payloadAsString()).isEqualTo("secret");
            }
        }
    }

    @Test
    void anUntrustedServerCertificateFailsTheConnect() {
        try (MqttClient c = MqttClient.builder().serverUri("ssl://127.0.0.1:" + tlsPort)
                .tls(TlsSettings.trusting(dir.resolve("other.crt"))).connectTimeout(Duration.ofSeconds(10)).build()) {
            assertThatThrownBy(() -> c.connect().get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("TLS handshake failed");
        }
    }

    @Test
    void hostNameIsVerifiedUnlessInsecure() throws Exception {
        // a certificate from the trusted CA, but for wrong.example, not 127.0.0.1
        TlsSettings strict = TlsSettings.trusting(dir.resolve("ca.crt"));
        TlsSettings insecure = new TlsSettings(dir.resolve("ca.crt"), null, null, null, true, List.of(), List.of(),
                List.of(), null, null);
        try (MqttClient c = MqttClient.builder().serverUri("ssl://127.0.0.1:" + wrongNamePort).tls(strict).build()) {
            assertThatThrownBy(() -> c.connect().get(10, TimeUnit.SECONDS)).hasMessageContaining("TLS handshake failed");
        }
        try (MqttClient c = MqttClient.builder().serverUri("ssl://127.0.0.1:" + wrongNamePort).tls(insecure).build()) {
            assertThat(c.connect().get(10, TimeUnit.SECONDS).reasonCode()).isZero();
        }
    }
}
