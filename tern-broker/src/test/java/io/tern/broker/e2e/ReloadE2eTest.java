package io.tern.broker.e2e;

import io.tern.broker.RawClient;
import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.security.PasswdCommand;
import io.tern.broker.transport.TestPki;
import io.tern.codec.MqttVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Broker#reload()}, what SIGHUP does: new password, ACL and TLS files without a restart. */
class ReloadE2eTest {

    @TempDir
    Path dir;

    @Test
    void aRewrittenAclAppliesToTheNextOperationOfConnectedClients() throws Exception {
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "user alice\ntopic readwrite a/#\nuser admin\ntopic readwrite #\n");
        try (Broker broker = Brokers.fromConfig(dir, "listener " + Brokers.freePort() + " 127.0.0.1\n"
                + "allow_anonymous true\ndeny_unreadable_subscriptions true\nacl_file acl\n");
             LogCapture log = new LogCapture()) {
            String uri = "tcp://127.0.0.1:" + broker.port();
            try (PahoClient alice = PahoClient.connect(uri, "alice-1", "alice", null);
                 PahoClient admin = PahoClient.connect(uri, "admin-1", "admin", null)) {
                assertThat(alice.subscribe("a/#", 1)).isEqualTo(1);
                assertThat(alice.subscribe("b/#", 1)).isEqualTo(0x80);

                Files.writeString(acl, "user alice\ntopic readwrite b/#\nuser admin\ntopic readwrite #\n");
                broker.reload();
                log.awaitLine("Reloading config.");

                // same connection, new rules: b/# is now granted, and a/# no longer delivers
                assertThat(alice.subscribe("b/#", 1)).isEqualTo(1);
                admin.publish("a/x", "no longer readable", 1);
                admin.publish("b/fence", "fence", 1);
                assertThat(alice.next()).isEqualTo("b/fence fence");
                // and publishing follows the new rules too
                assertThat(admin.subscribe("#", 1)).isEqualTo(1);
                alice.publish("a/y", "no longer writable", 1);
                alice.publish("b/z", "writable", 1);
                assertThat(admin.next()).isEqualTo("b/z writable");
            }
        }
    }

    @Test
    void aBadAclKeepsTheOldRulesAndSaysWhere() throws Exception {
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "user alice\ntopic readwrite a/#\n");
        try (Broker broker = Brokers.fromConfig(dir, "listener " + Brokers.freePort() + " 127.0.0.1\n"
                + "allow_anonymous true\ndeny_unreadable_subscriptions true\nacl_file acl\n")) {
            try (RawClient alice = new RawClient(broker.port(), MqttVersion.MQTT_3_1_1)) {
                assertThat(alice.connect("alice-1", "alice", null).reasonCode()).isZero();
                Files.writeString(acl, "user alice\ntopic readwrite b/#\ntopic sometimes c/#\n");
                assertThatThrownBy(broker::reload).isInstanceOf(IOException.class)
                        .hasMessageContaining(acl + ":3: unknown access 'sometimes'");
                assertThat(alice.subscribe(1, "a/#", "b/#").reasonCodes()).containsExactly(1, 0x80);
            }
        }
    }

    @Test
    void aNewPasswordFileLetsTheNewUserIn() throws Exception {
        Path pw = dir.resolve("passwords");
        assertThat(PasswdCommand.run("-I", "1000", "-c", "-b", pw.toString(), "alice", "one")).isZero();
        try (Broker broker = Brokers.fromConfig(dir, "listener " + Brokers.freePort() + " 127.0.0.1\n"
                + "allow_anonymous false\nreport_bad_credentials true\npassword_file passwords\n")) {
            int port = broker.port();
            assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_3_1_1, "c1", "alice", "two").reasonCode()).isEqualTo(4);
            assertThat(PasswdCommand.run("-I", "1000", "-b", pw.toString(), "alice", "two")).isZero();
            broker.reload();
            assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_3_1_1, "c2", "alice", "two").reasonCode()).isZero();
            assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_3_1_1, "c3", "alice", "one").reasonCode()).isEqualTo(4);
        }
    }

    @Test
    void aNewServerCertificateIsUsedByNewConnectionsWhileOpenOnesStay() throws Exception {
        TestPki pki = new TestPki(dir, "Reload CA");
        TestPki.Issued first = pki.server();
        Path cert = dir.resolve("live.crt");
        Path key = dir.resolve("live.key");
        Files.copy(first.certFile(), cert);
        Files.copy(first.keyFile(), key);
        BrokerConfig config = new BrokerConfig().allowAnonymous(true);
        config.addListener(new ListenerConfig(0, "127.0.0.1").certfile(cert.toString()).keyfile(key.toString()));
        try (Broker broker = Brokers.start(config)) {
            int port = broker.port();
            assertThat(serverSerial(pki, port)).isEqualTo(first.cert().getSerialNumber());
            try (PahoClient open = PahoClient.connect("ssl://127.0.0.1:" + port, "open-1", null, null,
                    pki.clientContext(null, "TLSv1.3").getSocketFactory())) {
                assertThat(open.subscribe("r/#", 1)).isEqualTo(1);

                TestPki.Issued second = pki.server();
                Files.copy(second.certFile(), cert, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(second.keyFile(), key, StandardCopyOption.REPLACE_EXISTING);
                broker.reload();

                assertThat(serverSerial(pki, port)).isEqualTo(second.cert().getSerialNumber());
                open.publish("r/1", "still connected", 1);
                assertThat(open.next()).isEqualTo("r/1 still connected");
            }
        }
    }

    private static BigInteger serverSerial(TestPki pki, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) pki.clientContext(null, "TLSv1.3").getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
