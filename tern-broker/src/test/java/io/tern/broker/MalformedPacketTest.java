package io.tern.broker;

import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every class of malformed input closes only the connection that sent it; another client on the same broker
 * keeps publishing and receiving throughout.
 */
class MalformedPacketTest {

    /** CONNECT for 3.1.1, client id "bad", keep-alive 60, clean session. */
    private static final String CONNECT = "100f00044d5154540402003c0003626164";

    private TestBroker broker;
    private RawClient bystander;

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start();
        bystander = new RawClient(broker.port());
        bystander.connect("bystander");
        bystander.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("ok/#", 0)), Properties.EMPTY));
        bystander.next();
    }

    @AfterEach
    void stop() throws Exception {
        bystander.close();
        broker.close();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                // [MQTT-2.2.2-2] SUBSCRIBE fixed-header flags must be 0010
                Arguments.of("SUBSCRIBE reserved flags", CONNECT + "8008000100036f6b2f00"),
                // [MQTT-3.6.1-1] PUBREL flags must be 0010
                Arguments.of("PUBREL reserved flags", CONNECT + "60020001"),
                // [MQTT-3.3.1-4] QoS 3
                Arguments.of("PUBLISH QoS 3", CONNECT + "3605000161620001"),
                // [MQTT-1.5.3] remaining length continues past 4 bytes
                Arguments.of("remaining length over 4 bytes", CONNECT + "30ffffffff7f"),
                // [MQTT-1.5.4-1] malformed UTF-8 (0xC0 0x80 is an overlong NUL)
                Arguments.of("malformed UTF-8 in topic", CONNECT + "30050003c08061"),
                // [MQTT-1.5.4-2] U+0000 in a string
                Arguments.of("U+0000 in topic", CONNECT + "3005000361006100"),
                // [MQTT-3.3.2-2] wildcard in a topic name
                Arguments.of("wildcard in topic name", CONNECT + "300500032f2b61"),
                // [MQTT-4.7.1-2] '#' not last / not alone in its level
                Arguments.of("bad # placement", CONNECT + "82090001" + "0004612f622300"),
                // [MQTT-4.7.1-3] '+' not alone in its level
                Arguments.of("bad + placement", CONNECT + "82090001" + "0004612b2f6200"),
                // [MQTT-4.7.3-1] empty topic name
                Arguments.of("empty topic name", CONNECT + "300200006161"),
                // [MQTT-2.3.1-1] packet id 0 in a QoS 1 PUBLISH
                Arguments.of("packet id 0", CONNECT + "32050001610000"),
                // [MQTT-3.8.3-3] SUBSCRIBE without a filter
                Arguments.of("SUBSCRIBE without filters", CONNECT + "82020001"),
                // [MQTT-3.10.3-2] UNSUBSCRIBE without a filter
                Arguments.of("UNSUBSCRIBE without filters", CONNECT + "a2020001"),
                // [MQTT-3.1.2-3] CONNECT reserved flag set
                Arguments.of("CONNECT reserved flag", "100f00044d5154540403003c0003626164"),
                // [MQTT-3.1.2-11] will QoS set without will flag
                Arguments.of("will flags inconsistent", "100f00044d5154540412003c0003626164"),
                // [MQTT-3.1.2-22] password without user name
                Arguments.of("password without username", "101400044d5154540442003c00036261640003707764"),
                // [MQTT-3.1.0-1] first packet not CONNECT
                Arguments.of("first packet not CONNECT", "c000"),
                // [MQTT-3.1.0-2] second CONNECT
                Arguments.of("second CONNECT", CONNECT + CONNECT),
                // reserved packet type 0
                Arguments.of("reserved packet type", CONNECT + "0000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedPacketClosesOnlyThatConnection(String what, String hex) throws Exception {
        try (RawClient bad = new RawClient(broker.port(), MqttVersion.MQTT_3_1_1)) {
            bad.sendBytes(HexFormat.of().parseHex(hex));
            List<Packet> before = bad.readUntilClosed();
            assertThat(before).allMatch(p -> p instanceof Packet.ConnAck || p instanceof Packet.SubAck);
        }
        assertBystanderStillServed();
    }

    @ParameterizedTest(name = "unknown protocol level {0} gets CONNACK 1 then close")
    @MethodSource("levels")
    void unsupportedProtocolLevelIsRefusedWithConnack1(int level) throws Exception {
        try (RawClient bad = new RawClient(broker.port(), MqttVersion.MQTT_3_1_1)) {
            // [MQTT-3.1.2-2]
            bad.sendBytes(HexFormat.of().parseHex("100f00044d515454" + String.format("%02x", level)
                    + "02003c0003626164"));
            List<Packet> got = bad.readUntilClosed();
            assertThat(got).containsExactly(new Packet.ConnAck(false, 1, Properties.EMPTY));
        }
        assertBystanderStillServed();
    }

    static Stream<Integer> levels() {
        return Stream.of(2, 6);
    }

    private void assertBystanderStillServed() throws Exception {
        broker.broker.publish("ok/still", new byte[] {42}, 0, false);
        Packet.Publish p = (Packet.Publish) bystander.next();
        assertThat(p.topic()).isEqualTo("ok/still");
    }
}
