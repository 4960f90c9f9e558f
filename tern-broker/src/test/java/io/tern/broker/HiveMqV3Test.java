package io.tern.broker;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** MQTT 3.1.1 broker behaviour driven by the HiveMQ MQTT client, a second independent implementation. */
class HiveMqV3Test {

    private TestBroker broker;
    private final List<Mqtt3BlockingClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() {
        for (Mqtt3BlockingClient c : clients) {
            if (c.getState().isConnected()) {
                try {
                    c.disconnect();
                } catch (com.hivemq.client.mqtt.exceptions.ConnectionClosedException
                         | com.hivemq.client.mqtt.exceptions.MqttClientStateException e) {
                    // the broker cut this client off (takeover tests) while we looked: nothing to disconnect
                }
            }
        }
        broker.close();
    }

    private Mqtt3BlockingClient client(String id) {
        Mqtt3BlockingClient c = Mqtt3Client.builder().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.port()).buildBlocking();
        clients.add(c);
        return c;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "QoS {0} both ways")
    @ValueSource(ints = {0, 1, 2})
    void qosFlowsBothWays(int qos) throws Exception {
        Mqtt3BlockingClient sub = client("h-sub");
        sub.connect();
        Mqtt3BlockingClient pub = client("h-pub");
        pub.connect();
        try (Mqtt3BlockingClient.Mqtt3Publishes inbox = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("h/q").qos(MqttQos.fromCode(qos)).send();
            for (int i = 0; i < 50; i++) {
                pub.publishWith().topic("h/q").qos(MqttQos.fromCode(qos)).payload(utf8("m" + i)).send();
            }
            for (int i = 0; i < 50; i++) {
                Mqtt3Publish p = inbox.receive(5, TimeUnit.SECONDS).orElseThrow();
                assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("m" + i);
                assertThat(p.getQos().getCode()).isEqualTo(qos);
            }
        }
    }

    @Test
    void retainedMessagesAndTheirClearing() throws Exception {
        Mqtt3BlockingClient pub = client("h-ret");
        pub.connect();
        pub.publishWith().topic("h/r").payload(utf8("kept")).retain(true).qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt3BlockingClient sub = client("h-ret-sub");
        sub.connect();
        try (Mqtt3BlockingClient.Mqtt3Publishes inbox = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("h/#").send();
            Mqtt3Publish p = inbox.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(p.isRetain()).isTrue();
            pub.publishWith().topic("h/r").payload(new byte[0]).retain(true).qos(MqttQos.AT_LEAST_ONCE).send();
            inbox.receive(5, TimeUnit.SECONDS).orElseThrow();
        }
        assertThat(broker.broker.retained().match("h/#")).isEmpty();
    }

    @Test
    void willIsPublishedWhenTheClientIsCutOff() throws Exception {
        Mqtt3BlockingClient watcher = client("h-watch");
        watcher.connect();
        try (Mqtt3BlockingClient.Mqtt3Publishes inbox = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("h/will").send();
            Mqtt3BlockingClient dying = client("h-dying");
            dying.connectWith().willPublish().topic("h/will").payload(utf8("bye")).applyWillPublish().send();
            // takeover by a raw connection with the same id cuts the HiveMQ client off without DISCONNECT
            try (RawClient thief = new RawClient(broker.port())) {
                thief.connect("h-dying");
                Optional<Mqtt3Publish> will = inbox.receive(5, TimeUnit.SECONDS);
                assertThat(will).isPresent();
                assertThat(new String(will.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("bye");
            }
        }
    }

    @Test
    void persistentSessionReceivesWhatWasPublishedWhileOffline() throws Exception {
        Mqtt3BlockingClient sub = client("h-persist");
        sub.connectWith().cleanSession(false).send();
        sub.subscribeWith().topicFilter("h/p/#").qos(MqttQos.EXACTLY_ONCE).send();
        sub.disconnect();
        Mqtt3BlockingClient pub = client("h-pp");
        pub.connect();
        for (int i = 0; i < 20; i++) {
            pub.publishWith().topic("h/p/x").qos(MqttQos.EXACTLY_ONCE).payload(utf8("o" + i)).send();
        }
        try (Mqtt3BlockingClient.Mqtt3Publishes inbox = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt3ConnAck ack = sub.connectWith().cleanSession(false).send();
            assertThat(ack.isSessionPresent()).isTrue();
            for (int i = 0; i < 20; i++) {
                Mqtt3Publish p = inbox.receive(5, TimeUnit.SECONDS).orElseThrow();
                assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("o" + i);
            }
        }
    }

    @Test
    void anonymousClientIsRefusedWhenNotAllowed() throws Exception {
        broker.close();
        broker = TestBroker.start(c -> c.allowAnonymous(false));
        Mqtt3BlockingClient c = client("h-anon");
        Throwable t = catchThrowable(c::connect);
        assertThat(t).isInstanceOf(Mqtt3ConnAckException.class);
        assertThat(((Mqtt3ConnAckException) t).getMqttMessage().getReturnCode())
                .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
    }

    @Test
    void sysTopicsReportClientsAndUptime() throws Exception {
        broker.close();
        broker = TestBroker.start(c -> c.sysInterval(1));
        Mqtt3BlockingClient c = client("h-sys");
        c.connect();
        try (Mqtt3BlockingClient.Mqtt3Publishes inbox = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter("$SYS/broker/clients/connected").send();
            c.subscribeWith().topicFilter("$SYS/broker/uptime").send();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                Optional<Mqtt3Publish> p = inbox.receive(1, TimeUnit.SECONDS);
                return p.isPresent() && p.get().getTopic().toString().equals("$SYS/broker/clients/connected")
                        && new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8).equals("1");
            });
        }
    }
}
