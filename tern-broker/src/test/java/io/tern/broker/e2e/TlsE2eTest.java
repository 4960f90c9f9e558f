package io.tern.broker.e2e;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.transport.TestPki;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Certificate TLS listeners of the real broker, with certificates made at test time, driven by Paho, the
 * HiveMQ client and Debian's mosquitto_pub / mosquitto_sub (OpenSSL).
 */
class TlsE2eTest {

    @TempDir
    static Path dir;
    static TestPki pki;
    static TestPki otherCa;
    static TestPki.Issued server;
    static TestPki.Issued device;
    static TestPki.Issued expired;
    static TestPki.Issued revoked;
    static TestPki.Issued stranger;
    static Path crl;

    @BeforeAll
    static void certificates() throws Exception {
        pki = new TestPki(dir, "Tern E2E CA");
        server = pki.server();
        device = pki.client("device-42", "CN=device-42,O=Tern Test");
        expired = pki.client("expired", "CN=device-42,O=Tern Test", Instant.now().minus(Duration.ofDays(30)),
                Instant.now().minus(Duration.ofDays(1)));
        revoked = pki.client("revoked", "CN=device-42,O=Tern Test");
        crl = pki.crl("revoked.crl", revoked.cert());
        Path other = Files.createDirectories(dir.resolve("other"));
        otherCa = new TestPki(other, "Another CA");
        stranger = otherCa.client("stranger", "CN=device-42,O=Tern Test");
        Files.writeString(dir.resolve("acl"), """
                user device-42
                topic readwrite devices/device-42/#
                """);
    }

    /** Server authentication only: anonymous clients over TLS. */
    private static Broker serverTlsBroker() throws Exception {
        BrokerConfig config = new BrokerConfig().allowAnonymous(true);
        config.addListener(new ListenerConfig(0, "127.0.0.1").cafile(pki.ca.certFile().toString())
                .certfile(server.certFile().toString()).keyfile(server.keyFile().toString()));
        return Brokers.start(config);
    }

    /**
     * Mutual TLS: require_certificate, the CN as username (checked by the ACL), the CRL, and no anonymous
     * clients: the certificate is the authentication, as in Mosquitto.
     */
    private static Broker mutualTlsBroker() throws Exception {
        BrokerConfig config = new BrokerConfig().allowAnonymous(false).aclFile(dir.resolve("acl").toString());
        config.addListener(new ListenerConfig(0, "127.0.0.1").cafile(pki.ca.certFile().toString())
                .certfile(server.certFile().toString()).keyfile(server.keyFile().toString())
                .requireCertificate(true).useIdentityAsUsername(true).crlfile(crl.toString()));
        return Brokers.start(config);
    }

    private static SSLSocketFactory sockets(TestPki.Issued client) throws Exception {
        return pki.clientContext(client, "TLSv1.3").getSocketFactory();
    }

    @Test
    void pahoHivemqAndMosquittoClientsExchangeMessagesOverTls() throws Exception {
        try (Broker broker = serverTlsBroker()) {
            int port = broker.port();
            String topic = Brokers.topic("tls");
            Mqtt5BlockingClient hive = Mqtt5Client.builder().identifier("hive-tls").serverHost("127.0.0.1")
                    .serverPort(port).sslConfig().trustManagerFactory(trust(pki.ca.cert())).applySslConfig()
                    .buildBlocking();
            hive.connect();
            try (PahoClient paho = PahoClient.connect("ssl://127.0.0.1:" + port, "paho-tls", null, null, sockets(null));
                 Mqtt5BlockingClient.Mqtt5Publishes hiveInbox = hive.publishes(MqttGlobalPublishFilter.ALL)) {
                hive.subscribeWith().topicFilter(topic + "/#").qos(MqttQos.AT_LEAST_ONCE).send();
                assertThat(paho.subscribe(topic + "/#", 1)).isEqualTo(1);

                paho.publish(topic + "/paho", "from paho", 1);
                assertThat(payload(hiveInbox.receive(10, TimeUnit.SECONDS))).isEqualTo("from paho");
                assertThat(paho.next()).isEqualTo(topic + "/paho from paho");

                Processes.assumeExecutable(Processes.MOSQUITTO_SUB, "apt-get install mosquitto-clients");
                // retained, so mosquitto_sub gets it whenever its SUBSCRIBE lands (its output is not line-buffered)
                hive.publishWith().topic(topic + "/hive").qos(MqttQos.AT_LEAST_ONCE).retain(true)
                        .payload("from hive".getBytes(StandardCharsets.UTF_8)).send();
                Processes.Result sub = Processes.run(Duration.ofSeconds(20), Processes.MOSQUITTO_SUB.toString(),
                        "-h", "127.0.0.1", "-p", String.valueOf(port), "--cafile", pki.ca.certFile().toString(),
                        "-i", "mosq-sub", "-t", topic + "/#", "-C", "1", "-W", "15", "-v");
                assertThat(sub.exitCode()).as(sub.output()).isZero();
                assertThat(sub.output().strip()).isEqualTo(topic + "/hive from hive");
                Processes.Result pub = Processes.run(Duration.ofSeconds(20), Processes.MOSQUITTO_PUB.toString(),
                        "-h", "127.0.0.1", "-p", String.valueOf(port), "--cafile", pki.ca.certFile().toString(),
                        "-i", "mosq-pub", "-t", topic + "/mosquitto", "-m", "from mosquitto_pub", "-q", "1");
                assertThat(pub.exitCode()).as(pub.output()).isZero();
                // paho first got hive's message, then mosquitto_pub's
                assertThat(paho.next()).isEqualTo(topic + "/hive from hive");
                assertThat(paho.next()).isEqualTo(topic + "/mosquitto from mosquitto_pub");
            } finally {
                hive.disconnect();
            }
        }
    }

    @Test
    void aPlainTcpClientCannotTalkMqttToATlsListener() throws Exception {
        try (Broker broker = serverTlsBroker()) {
            assertThatThrownBy(() -> PahoClient.connect("tcp://127.0.0.1:" + broker.port(), "plain", null, null))
                    .isInstanceOf(MqttException.class);
        }
    }

    @Test
    void requireCertificateAcceptsAClientCertificateFromTheCaAndItsCnIsTheUsername() throws Exception {
        try (Broker broker = mutualTlsBroker()) {
            String uri = "ssl://127.0.0.1:" + broker.port();
            // the username in CONNECT is ignored: the certificate says who this is
            try (PahoClient paho = PahoClient.connect(uri, "dev42", "admin", "whatever", sockets(device))) {
                assertThat(paho.subscribe("devices/device-42/#", 1)).isEqualTo(1);
                // granted as by Mosquitto (deny_unreadable_subscriptions would refuse it); nothing arrives on it
                assertThat(paho.subscribe("devices/device-7/#", 1)).as("ACL of user device-42 only").isEqualTo(1);
                paho.publish("devices/device-7/cmd", "not allowed", 1);
                paho.publish("devices/device-42/state", "on", 1);
                assertThat(paho.next()).isEqualTo("devices/device-42/state on");
            }
            Processes.assumeExecutable(Processes.MOSQUITTO_PUB, "apt-get install mosquitto-clients");
            Processes.Result ok = mosquittoPub(broker.port(), device, "devices/device-42/state");
            assertThat(ok.exitCode()).as(ok.output()).isZero();
        }
    }

    @Test
    void requireCertificateRefusesAClientWithoutOne() throws Exception {
        try (Broker broker = mutualTlsBroker()) {
            assertThatThrownBy(() -> PahoClient.connect("ssl://127.0.0.1:" + broker.port(), "nocert", null, null,
                    sockets(null))).isInstanceOf(MqttException.class);
            Processes.assumeExecutable(Processes.MOSQUITTO_PUB, "apt-get install mosquitto-clients");
            assertThat(mosquittoPub(broker.port(), null, "devices/device-42/state").exitCode()).isNotZero();
        }
    }

    @Test
    void certificatesFromAnotherCaExpiredOrRevokedAreRefused() throws Exception {
        try (Broker broker = mutualTlsBroker()) {
            String uri = "ssl://127.0.0.1:" + broker.port();
            // all three carry CN=device-42, which the ACL would accept: only the certificate check refuses them
            for (TestPki.Issued bad : new TestPki.Issued[] {stranger, expired, revoked}) {
                assertThatThrownBy(() -> PahoClient.connect(uri, "bad", null, null, sockets(bad)))
                        .as(bad.certFile().toString()).isInstanceOf(MqttException.class);
            }
            Processes.assumeExecutable(Processes.MOSQUITTO_PUB, "apt-get install mosquitto-clients");
            for (TestPki.Issued bad : new TestPki.Issued[] {stranger, expired, revoked}) {
                assertThat(mosquittoPub(broker.port(), bad, "devices/device-42/state").exitCode())
                        .as(bad.certFile().toString()).isNotZero();
            }
            // and the broker still serves a good certificate afterwards
            assertThat(mosquittoPub(broker.port(), device, "devices/device-42/state").exitCode()).isZero();
        }
    }

    @Test
    void useIdentityAsUsernameWithoutAClientCertificateIsABadUsername() throws Exception {
        BrokerConfig config = new BrokerConfig().allowAnonymous(true);
        config.addListener(new ListenerConfig(0, "127.0.0.1").cafile(pki.ca.certFile().toString())
                .certfile(server.certFile().toString()).keyfile(server.keyFile().toString())
                .useIdentityAsUsername(true));
        try (Broker broker = Brokers.start(config)) {
            // Mosquitto 2.0 answers CONNACK 4: a CONNECT username does not stand in for the certificate
            assertThatThrownBy(() -> PahoClient.connect("ssl://127.0.0.1:" + broker.port(), "nocert", "device-42",
                    "x", sockets(null))).isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode())
                    .isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION));
        }
    }

    @Test
    void hivemqClientWithAClientCertificate() throws Exception {
        try (Broker broker = mutualTlsBroker()) {
            Mqtt5BlockingClient hive = Mqtt5Client.builder().identifier("hive-mtls").serverHost("127.0.0.1")
                    .serverPort(broker.port()).sslConfig().trustManagerFactory(trust(pki.ca.cert()))
                    .keyManagerFactory(keys(device)).applySslConfig().buildBlocking();
            hive.connect();
            try (Mqtt5BlockingClient.Mqtt5Publishes inbox = hive.publishes(MqttGlobalPublishFilter.ALL)) {
                hive.subscribeWith().topicFilter("devices/device-42/#").qos(MqttQos.AT_LEAST_ONCE).send();
                hive.publishWith().topic("devices/device-42/x").qos(MqttQos.AT_LEAST_ONCE)
                        .payload("mtls".getBytes(StandardCharsets.UTF_8)).send();
                assertThat(payload(inbox.receive(10, TimeUnit.SECONDS))).isEqualTo("mtls");
            } finally {
                hive.disconnect();
            }
        }
    }

    static Processes.Result mosquittoPub(int port, TestPki.Issued client, String topic) throws Exception {
        java.util.List<String> cmd = Processes.list(Processes.MOSQUITTO_PUB, "-h", "127.0.0.1", "-p", port,
                "--cafile", pki.ca.certFile(), "-i", "mosq-pub", "-t", topic, "-m", "x", "-q", "1");
        if (client != null) {
            cmd.addAll(Processes.list("--cert", client.certFile(), "--key", client.keyFile()));
        }
        return Processes.run(Duration.ofSeconds(20), cmd.toArray(String[]::new));
    }

    static String payload(java.util.Optional<Mqtt5Publish> p) {
        return new String(p.orElseThrow(() -> new AssertionError("no message within 10 s")).getPayloadAsBytes(),
                StandardCharsets.UTF_8);
    }

    static TrustManagerFactory trust(X509Certificate ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        return tmf;
    }

    static KeyManagerFactory keys(TestPki.Issued client) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("me", client.keys().getPrivate(), "x".toCharArray(), new X509Certificate[] {client.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "x".toCharArray());
        return kmf;
    }
}
