package io.tern.broker.e2e;

import io.tern.broker.RawClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.tern.broker.Broker;
import io.tern.codec.MqttVersion;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A password file written by the real {@code mosquitto_passwd}, read by the real broker, checked with Paho,
 * the HiveMQ client and raw CONNECTs.
 */
class PasswordFileE2eTest {

    @TempDir
    Path dir;
    private Broker broker;
    private String uri;
    private int port;

    @BeforeEach
    void start() throws Exception {
        Processes.assumeExecutable(Processes.MOSQUITTO_PASSWD, "apt-get install mosquitto");
        Path pw = dir.resolve("passwords");
        mosquittoPasswd("-c", "-b", pw.toString(), "alice", "alice-secret");
        mosquittoPasswd("-b", pw.toString(), "bob", "bob's pass wörd");
        // report_bad_credentials: CONNACK 4 / 0x86 for a wrong password; the default (Mosquitto's 5 / 0x87)
        // is pinned in aWrongPasswordIsNotAuthorisedByDefaultAsInMosquitto
        broker = Brokers.fromConfig(dir, "listener " + Brokers.freePort() + " 127.0.0.1\n"
                + "allow_anonymous false\n"
                + "report_bad_credentials true\n"
                + "password_file passwords\n");
        port = broker.port();
        uri = "tcp://127.0.0.1:" + port;
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    static void mosquittoPasswd(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = Processes.MOSQUITTO_PASSWD.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Processes.Result r = Processes.run(Duration.ofSeconds(30), command);
        assertThat(r.exitCode()).as("mosquitto_passwd %s: %s", String.join(" ", args), r.output()).isZero();
    }

    @Test
    void pahoWithTheRightPasswordConnectsAndExchangesMessages() throws Exception {
        String topic = Brokers.topic("pw");
        try (PahoClient alice = PahoClient.connect(uri, "alice-1", "alice", "alice-secret");
             PahoClient bob = PahoClient.connect(uri, "bob-1", "bob", "bob's pass wörd")) {
            assertThat(alice.subscribe(topic, 1)).isEqualTo(1);
            bob.publish(topic, "hello alice", 1);
            assertThat(alice.next()).isEqualTo(topic + " hello alice");
        }
    }

    @Test
    void hivemqClientWithTheRightPasswordConnectsOnV5AndV311() throws Exception {
        String topic = Brokers.topic("pw");
        Mqtt5BlockingClient v5 = Mqtt5Client.builder().identifier("hive-5").serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
        Mqtt3BlockingClient v3 = Mqtt3Client.builder().identifier("hive-3").serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
        try {
            v5.connectWith().simpleAuth().username("bob").password("bob's pass wörd".getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().send();
            v3.connectWith().simpleAuth().username("alice").password("alice-secret".getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().send();
            try (Mqtt5BlockingClient.Mqtt5Publishes inbox = v5.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
                v5.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
                v3.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("from v3".getBytes(StandardCharsets.UTF_8))
                        .send();
                Mqtt5Publish got = inbox.receive(10, TimeUnit.SECONDS).orElseThrow(() -> new AssertionError("no message"));
                assertThat(new String(got.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("from v3");
            }
        } finally {
            disconnectQuietly(v5::disconnect);
            disconnectQuietly(v3::disconnect);
        }
    }

    @Test
    void aWrongPasswordIsRefusedWithBadUsernameOrPassword() throws Exception {
        // [MQTT-3.2.2-6] CONNACK 4 in 3.1.1, 0x86 in MQTT 5 (Mosquitto 2.0 answers 5 / 0x87 here)
        assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_3_1_1, "c1", "alice", "wrong").reasonCode()).isEqualTo(4);
        assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_5, "c2", "alice", "wrong").reasonCode()).isEqualTo(0x86);
        assertThatThrownBy(() -> PahoClient.connect(uri, "c3", "bob", "alice-secret"))
                .isInstanceOfSatisfying(MqttException.class,
                        e -> assertThat(e.getReasonCode()).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION));
        Mqtt5BlockingClient hive = Mqtt5Client.builder().identifier("c4").serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
        assertThatThrownBy(() -> hive.connectWith().simpleAuth().username("bob").password("nope".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    }

    @Test
    void aWrongPasswordIsNotAuthorisedByDefaultAsInMosquitto() throws Exception {
        // Mosquitto 2.0 answers 5 / 0x87 "not authorised"; [MQTT-3.2.2-6] leaves the choice of code to the server
        Path sub = java.nio.file.Files.createDirectory(dir.resolve("default"));
        java.nio.file.Files.copy(dir.resolve("passwords"), sub.resolve("passwords"));
        try (Broker plain = Brokers.fromConfig(sub, "listener " + Brokers.freePort() + " 127.0.0.1\n"
                + "allow_anonymous false\n"
                + "password_file passwords\n")) {
            int p = plain.port();
            assertThat(RawClient.connectOnce(p, MqttVersion.MQTT_3_1_1, "c1", "alice", "wrong").reasonCode()).isEqualTo(5);
            assertThat(RawClient.connectOnce(p, MqttVersion.MQTT_5, "c2", "alice", "wrong").reasonCode()).isEqualTo(0x87);
            assertThat(RawClient.connectOnce(p, MqttVersion.MQTT_3_1_1, "c3", "mallory", "x").reasonCode()).isEqualTo(5);
            assertThat(RawClient.connectOnce(p, MqttVersion.MQTT_3_1_1, "c4", "alice", "alice-secret").reasonCode())
                    .isZero();
        }
    }

    @Test
    void anUnknownUserGetsTheSameAnswerAsAWrongPassword() throws Exception {
        assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_3_1_1, "c1", "mallory", "wrong").reasonCode()).isEqualTo(4);
        assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_5, "c2", "mallory", "wrong").reasonCode()).isEqualTo(0x86);
    }

    @Test
    void anAnonymousClientIsNotAuthorisedAndTheLogSaysSo() throws Exception {
        try (LogCapture log = new LogCapture()) {
            assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_3_1_1, "anon-1", null, null).reasonCode()).isEqualTo(5);
            log.awaitLine("Client anon-1 disconnected, not authorised.");
            assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_5, "anon-2", null, null).reasonCode()).isEqualTo(0x87);
            log.awaitLine("Client anon-2 disconnected, not authorised.");
        }
        assertThatThrownBy(() -> PahoClient.connect(uri, "anon-3", null, null))
                .isInstanceOfSatisfying(MqttException.class,
                        e -> assertThat(e.getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
    }

    @Test
    void theBrokerClosesTheConnectionAfterARefusal() throws Exception {
        // [MQTT-3.2.2-5] a non-zero CONNACK is followed by the close
        try (RawClient c = new RawClient(port, MqttVersion.MQTT_3_1_1)) {
            assertThat(c.connect("c1", "alice", "wrong").reasonCode()).isEqualTo(4);
            assertThat(c.closedByBroker()).isTrue();
        }
    }

    private static void disconnectQuietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // not connected
        }
    }
}
