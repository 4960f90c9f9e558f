package io.tern.broker;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code check_retain_source}: who published a retained message is kept only while that message is retained. */
class RetainSourcesTest {

    @Test
    void adminDeleteDropsTheSourceOfTheDeletedMessage() throws Exception {
        try (TestBroker b = TestBroker.start(c -> c.checkRetainSource(true))) {
            MqttClient pub = new MqttClient(b.tcpUri(), "rs-pub", new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            pub.connect(o);
            try {
                // QoS 1: the PUBACK comes after the broker has retained it
                pub.publish("rs/t", "v".getBytes(StandardCharsets.UTF_8), 1, true);
            } finally {
                pub.disconnect();
                pub.close();
            }
            assertThat(b.broker.retainSources().has("rs/t")).isTrue();

            assertThat(b.broker.admin().deleteRetained("rs/t")).isTrue();

            assertThat(b.broker.admin().retainedMessage("rs/t")).isEmpty();
            assertThat(b.broker.retainSources().has("rs/t")).isFalse();
        }
    }
}
