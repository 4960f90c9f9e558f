package io.tern.broker.e2e;

import io.tern.broker.RawClient;
import io.tern.broker.Broker;
import io.tern.codec.MqttVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code clientid_prefixes} through the real broker, from Mosquitto's secured example configuration. */
class ClientIdPrefixesE2eTest {

    @TempDir
    Path dir;

    @Test
    void onlyClientIdsWithThePrefixMayConnect() throws Exception {
        Files.writeString(dir.resolve("passwords.txt"), "sensor1:sensorpass1\n");
        assertThat(io.tern.broker.security.PasswdCommand.run("-U", dir.resolve("passwords.txt").toString())).isZero();
        try (Broker broker = Brokers.fromConfig(dir, "clientid_prefixes sensor-\n"
                + "allow_anonymous false\n"
                + "password_file passwords.txt\n"
                + "listener " + Brokers.freePort() + " 127.0.0.1\n")) {
            int port = broker.port();
            assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_3_1_1, "sensor-7", "sensor1", "sensorpass1").reasonCode())
                    .isZero();
            // the right credentials do not help an id without the prefix (Mosquitto: not authorised)
            assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_3_1_1, "laptop", "sensor1", "sensorpass1").reasonCode())
                    .isEqualTo(5);
            assertThat(RawClient.connectOnce(port, MqttVersion.MQTT_5, "laptop", "sensor1", "sensorpass1").reasonCode())
                    .isEqualTo(0x87);
            assertThat(PahoClient.connect("tcp://127.0.0.1:" + port, "sensor-8", "sensor1", "sensorpass1").client
                    .isConnected()).isTrue();
        }
    }
}
