package io.tern.client;

import io.tern.codec.MqttVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ssl:// with a pre-shared key against Mosquitto's psk_hint listener (OpenSSL on the other side). */
class PskMosquittoTest {

    static final String KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    @TempDir
    Path dir;

    private MosquittoBroker broker;
    private int pskPort;

    @BeforeEach
    void start() throws Exception {
        MosquittoBroker.assumeInstalled();
        Files.writeString(dir.resolve("psk.txt"), "sensor1:" + KEY + "\nodd:abc\n");
        pskPort = MosquittoBroker.freePort();
        broker = MosquittoBroker.start(dir, false, "psk_file " + dir.resolve("psk.txt") + "\n"
                + "listener " + pskPort + " 127.0.0.1\npsk_hint hint\nuse_identity_as_username false\n");
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.kill();
        }
    }

    private MqttClient.Builder client(TlsSettings tls) {
        return MqttClient.builder().serverUri("ssl://127.0.0.1:" + pskPort).version(MqttVersion.MQTT_5).tls(tls)
                .connectTimeout(Duration.ofSeconds(10));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void publishesAndReceivesOverTlsPsk(String min) throws Exception {
        TlsSettings tls = new TlsSettings(null, null, null, null, false, List.of(min), List.of(), List.of(),
                "sensor1", KEY);
        try (MqttClient c = client(tls).build()) {
            c.connect().get(10, TimeUnit.SECONDS);
            BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
            c.subscribe("psk/t", 2, got::add).get(5, TimeUnit.SECONDS);
            byte[] big = new byte[100_000]; // many TLS records each way
            big[big.length - 1] = 9;
            c.publish("psk/t", big, 2, false).get(10, TimeUnit.SECONDS);
            MqttMessage m = got.poll(10, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            assertThat(m.payload()).isEqualTo(big);
            c.disconnect().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void tls12PskSuitesWork() throws Exception {
        for (String suite : List.of("", "PSK-AES128-CBC-SHA", "ECDHE-PSK-AES128-CBC-SHA256",
                "TLS_PSK_WITH_AES_256_GCM_SHA384", "DHE-PSK-AES128-GCM-SHA256")) {
            TlsSettings tls = new TlsSettings(null, null, null, null, false, List.of("TLSv1.2"),
                    suite.isEmpty() ? List.of() : List.of(suite), List.of(), "sensor1", KEY);
            try (MqttClient c = client(tls).build()) {
                c.connect().get(10, TimeUnit.SECONDS);
                BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
                c.subscribe("psk12", 1, got::add).get(5, TimeUnit.SECONDS);
                c.publish("psk12", suite, 1, false).get(5, TimeUnit.SECONDS);
                assertThat(got.poll(5, TimeUnit.SECONDS)).as(suite).isNotNull();
            }
        }
        assertThat(Files.readString(broker.log())).doesNotContain("OpenSSL Error");
    }

    @Test
    void aSilentServerFailsTheConnectInBoundedTime() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress());
             MqttClient c = MqttClient.builder().serverUri("ssl://127.0.0.1:" + silent.getLocalPort())
                     .psk("sensor1", new byte[]{1}).connectTimeout(Duration.ofMillis(500)).build()) {
            assertThatThrownBy(() -> c.connect().get(10, TimeUnit.SECONDS)).isInstanceOf(
                    java.util.concurrent.ExecutionException.class);
        }
    }

    @Test
    void tls12SuitesOnlyWhenTheCipherListNamesThem() throws Exception {
        // OpenSSL's cipher list governs TLS 1.2; TLS 1.3 stays available, so this proves the name is accepted
        TlsSettings tls = new TlsSettings(null, null, null, null, false, List.of("TLSv1.2"),
                List.of("PSK-AES128-GCM-SHA256"), List.of(), "sensor1", KEY);
        try (MqttClient c = client(tls).build()) {
            assertThat(c.connect().get(10, TimeUnit.SECONDS).reasonCode()).isZero();
        }
        TlsSettings none = new TlsSettings(null, null, null, null, false, List.of(), List.of("AES128-SHA"), List.of(),
                "sensor1", KEY);
        try (MqttClient c = client(none).build()) {
            assertThatThrownBy(() -> c.connect().get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("TLS setup failed: no TLS-PSK cipher suite in AES128-SHA");
        }
    }

    @Test
    void builderTakesTheKeyAsBytes() throws Exception {
        try (MqttClient c = MqttClient.builder().serverUri("ssl://127.0.0.1:" + pskPort)
                .psk("sensor1", HexFormat.of().parseHex(KEY)).build()) {
            assertThat(c.connect().get(10, TimeUnit.SECONDS).reasonCode()).isZero();
        }
    }

    @Test
    void anOddLengthHexKeyIsReadAsMosquittoReadsIt() throws Exception {
        // psk_file "abc" and --psk abc are both 0a bc to libmosquitto
        try (MqttClient c = client(TlsSettings.psk("odd", "abc")).build()) {
            assertThat(c.connect().get(10, TimeUnit.SECONDS).reasonCode()).isZero();
        }
        try (MqttClient c = client(TlsSettings.psk("odd", new byte[]{0x0a, (byte) 0xbc})).build()) {
            assertThat(c.connect().get(10, TimeUnit.SECONDS).reasonCode()).isZero();
        }
    }

    @Test
    void aWrongKeyOrUnknownIdentityFailsTheHandshake() {
        for (TlsSettings bad : List.of(TlsSettings.psk("sensor1", "deadbeef"), TlsSettings.psk("nobody", KEY))) {
            for (String min : List.of("TLSv1.3", "TLSv1.2")) {
                TlsSettings tls = new TlsSettings(null, null, null, null, false, List.of(min), List.of(), List.of(),
                        bad.pskIdentity(), bad.pskHex());
                try (MqttClient c = client(tls).build()) {
                    assertThatThrownBy(() -> c.connect().get(10, TimeUnit.SECONDS))
                            .as(bad.pskIdentity() + " " + min)
                            .hasMessageContaining("TLS handshake failed");
                    assertThat(c.isConnected()).isFalse();
                }
            }
        }
    }
}
