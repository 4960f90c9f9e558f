package io.tern.broker.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS-PSK against the real mosquitto_pub (OpenSSL) and raw sockets. */
class PskTransportTest {

    private static final String KEY = "0123456789abcdef0123";

    @TempDir
    Path dir;

    private MqttTestServer serve(Duration timeout) throws Exception {
        Map<String, byte[]> keys = Map.of("sensor1", PskFile.decodeKey(KEY), "other", PskFile.decodeKey("abcdef"));
        PskSettings settings = PskSettings.of("tern-hint", keys);
        return new MqttTestServer(ch -> ch.pipeline().addLast("psk", new PskServerHandler(settings, timeout)));
    }

    private static <T> T event(MqttTestServer s, Class<T> type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Object e = s.events.poll(100, TimeUnit.MILLISECONDS);
            if (type.isInstance(e)) {
                return type.cast(e);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + "; server log: " + s.log);
    }

    @Test
    void mosquittoPubWithPskPublishesOverTls13() throws Exception {
        try (MqttTestServer s = serve(PskServerHandler.DEFAULT_HANDSHAKE_TIMEOUT)) {
            MosquittoClients.Result r = MosquittoClients.pub("--psk", KEY, "--psk-identity", "sensor1",
                    "-h", "127.0.0.1", "-p", String.valueOf(s.port()), "-t", "t", "-m", "hello");
            assertThat(r.exitCode()).as(r.output()).isZero();
            PskHandshakeCompleted done = event(s, PskHandshakeCompleted.class);
            // OpenSSL's default with --psk: TLS 1.3 with the external PSK and a SHA-256 suite
            assertThat(done).isEqualTo(new PskHandshakeCompleted("sensor1", "TLSv1.3", "TLS_AES_128_GCM_SHA256"));
            assertThat(s.publishes.poll(10, TimeUnit.SECONDS)).isEqualTo("t=hello");
        }
    }

    /**
     * libmosquitto's --tls-version is a minimum, so mosquitto_pub always offers TLS 1.3; OpenSSL's s_client is
     * the real OpenSSL peer that can be held to TLS 1.2.
     */
    @Test
    void openSslClientWithPskOverTls12() throws Exception {
        try (MqttTestServer s = serve(PskServerHandler.DEFAULT_HANDSHAKE_TIMEOUT)) {
            String out = sClient(s, "-tls1_2", "-psk", KEY, "-psk_identity", "sensor1");
            PskHandshakeCompleted done = event(s, PskHandshakeCompleted.class);
            assertThat(done.identity()).isEqualTo("sensor1");
            assertThat(done.protocol()).isEqualTo("TLSv1.2");
            // the server's preference wins, as with Mosquitto's SSL_OP_CIPHER_SERVER_PREFERENCE
            assertThat(done.cipherSuite()).isEqualTo("TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256");
            assertThat(out).contains("ECDHE-PSK-CHACHA20-POLY1305");
        }
    }

    @Test
    void openSslClientWithWrongPskOverTls12Fails() throws Exception {
        try (MqttTestServer s = serve(PskServerHandler.DEFAULT_HANDSHAKE_TIMEOUT)) {
            sClient(s, "-tls1_2", "-psk", "0123456789abcdef0124", "-psk_identity", "sensor1");
            assertThat(event(s, PskHandshakeFailed.class).reason()).contains("sensor1").containsIgnoringCase("wrong PSK");
        }
    }

    private static String sClient(MqttTestServer s, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + s.port()));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            Assumptions.abort("SKIPPED: openssl CLI unavailable: " + e.getMessage());
            throw e;
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl s_client did not finish within 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println("[openssl s_client exit " + p.exitValue() + "] " + out.lines().filter(l -> l.contains("Cipher") || l.contains("error") || l.contains("alert")).toList());
        return out;
    }

    @Test
    void wrongKeyFails() throws Exception {
        try (MqttTestServer s = serve(PskServerHandler.DEFAULT_HANDSHAKE_TIMEOUT)) {
            MosquittoClients.Result r = MosquittoClients.pub("--psk", "0123456789abcdef0124", "--psk-identity", "sensor1",
                    "-h", "127.0.0.1", "-p", String.valueOf(s.port()), "-t", "t", "-m", "hello");
            assertThat(r.exitCode()).as(r.output()).isNotZero();
            PskHandshakeFailed failed = event(s, PskHandshakeFailed.class);
            assertThat(failed.reason()).contains("sensor1").containsIgnoringCase("wrong PSK");
            assertThat(s.publishes).isEmpty();
        }
    }

    @Test
    void unknownIdentityFails() throws Exception {
        try (MqttTestServer s = serve(PskServerHandler.DEFAULT_HANDSHAKE_TIMEOUT)) {
            MosquittoClients.Result r = MosquittoClients.pub("--psk", KEY, "--psk-identity", "sensor9",
                    "-h", "127.0.0.1", "-p", String.valueOf(s.port()), "-t", "t", "-m", "hello");
            assertThat(r.exitCode()).as(r.output()).isNotZero();
            assertThat(event(s, PskHandshakeFailed.class).reason()).isEqualTo("unknown PSK identity \"sensor9\"");
        }
    }

    @Test
    void silentClientTimesOut() throws Exception {
        try (MqttTestServer s = serve(Duration.ofMillis(300)); Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(10_000);
            PskHandshakeFailed failed = event(s, PskHandshakeFailed.class);
            assertThat(failed.reason()).isEqualTo("handshake not completed within 300 ms");
            InputStream in = socket.getInputStream();
            assertThat(in.read()).as("server closed the connection").isEqualTo(-1);
        }
    }

    @Test
    void garbageIsAHandshakeFailure() throws Exception {
        try (MqttTestServer s = serve(PskServerHandler.DEFAULT_HANDSHAKE_TIMEOUT); Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(10_000);
            // a plain MQTT CONNECT sent to a TLS port
            socket.getOutputStream().write(new byte[] {0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00});
            assertThat(event(s, PskHandshakeFailed.class).reason()).isNotBlank();
            assertThat(socket.getInputStream().readAllBytes().length).isLessThan(16); // at most an alert, then EOF
            assertThat(s.publishes).isEmpty();
        }
    }

    @Test
    void pskFileIsReadWithLineErrors() throws Exception {
        Path f = Files.writeString(dir.resolve("psk"), "# comment\n\nsensor1:0123456789abcdef0123\nodd:abc\n");
        Map<String, byte[]> keys = PskFile.load(f);
        assertThat(keys).containsOnlyKeys("sensor1", "odd");
        assertThat(keys.get("odd")).containsExactly(0x0a, 0xbc);
        assertThat(keys.get("sensor1")).hasSize(10);

        assertThatThrownBy(() -> PskFile.load(Files.writeString(dir.resolve("bad1"), "a:00\nnocolon\n")))
                .isInstanceOf(TransportConfigException.class).hasMessage("psk_file " + dir.resolve("bad1") + " line 2: expected identity:hexkey");
        assertThatThrownBy(() -> PskFile.load(Files.writeString(dir.resolve("bad2"), "a:12zz\n")))
                .hasMessageContaining("line 1: psk for identity \"a\" contains non-hexadecimal characters");
        assertThatThrownBy(() -> PskFile.load(Files.writeString(dir.resolve("bad3"), "a:\n")))
                .hasMessageContaining("line 1: empty psk");
        assertThatThrownBy(() -> PskFile.load(Files.writeString(dir.resolve("bad4"), "a:01\na:02\n")))
                .hasMessageContaining("line 2: identity \"a\" is given twice");
        assertThatThrownBy(() -> PskFile.load(dir.resolve("missing")))
                .hasMessage("psk_file " + dir.resolve("missing") + ": no such file");
    }
}
