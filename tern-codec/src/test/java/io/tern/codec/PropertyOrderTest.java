package io.tern.codec;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties are written in the order they were added, and a decoded list keeps its wire order, so a forwarded
 * message carries its publisher's order and a CONNACK lists its properties as Mosquitto does (MQTT 5 section
 * 2.2.2.2 leaves the order free).
 */
class PropertyOrderTest {

    @Test
    void connackPropertiesInTheOrderAdded() {
        Properties p = Properties.builder()
                .put(PropertyId.TOPIC_ALIAS_MAXIMUM, 10)
                .put(PropertyId.RECEIVE_MAXIMUM, 20)
                .build();
        byte[] wire = Wire.encode(new Packet.ConnAck(false, 0, p), MqttVersion.MQTT_5);
        assertThat(Wire.hex(wire)).isEqualTo("200900000622000a210014");
    }

    @Test
    void decodedPropertiesKeepTheirWireOrderWhenReencoded() {
        // PUBLISH "t" QoS 0 with User Property a=b, Content Type "c", Payload Format 1, Subscription Id 3
        byte[] wire = Wire.hex("30 14 0001 74 0f 2600016100016203000163 0101 0b03 78");
        Packet.Publish p = (Packet.Publish) Wire.oneFromServer(MqttVersion.MQTT_5, wire);
        assertThat(p.properties().size()).isEqualTo(4);
        assertThat(List.of(p.properties().idAt(0), p.properties().idAt(1), p.properties().idAt(2),
                p.properties().idAt(3))).containsExactly(PropertyId.USER_PROPERTY, PropertyId.CONTENT_TYPE,
                PropertyId.PAYLOAD_FORMAT_INDICATOR, PropertyId.SUBSCRIPTION_IDENTIFIER);
        assertThat(Wire.hex(Wire.encode(p, MqttVersion.MQTT_5))).isEqualTo(Wire.hex(wire));
    }

    @Test
    void replacingKeepsThePlaceRemovingDropsIt() {
        Properties p = Properties.builder()
                .put(PropertyId.MESSAGE_EXPIRY_INTERVAL, 5L)
                .userProperty("k", "v")
                .put(PropertyId.CONTENT_TYPE, "x")
                .build();
        Properties q = p.toBuilder().put(PropertyId.MESSAGE_EXPIRY_INTERVAL, 4L).remove(PropertyId.USER_PROPERTY)
                .build();
        assertThat(q.presentSingleValued()).containsExactly(PropertyId.MESSAGE_EXPIRY_INTERVAL, PropertyId.CONTENT_TYPE);
        assertThat(q.size()).isEqualTo(2);
        Properties r = Properties.builder().subscriptionIdentifier(7).putAll(q).build();
        assertThat(r.idAt(0)).isEqualTo(PropertyId.SUBSCRIPTION_IDENTIFIER);
        assertThat(r.idAt(2)).isEqualTo(PropertyId.CONTENT_TYPE);
        assertThat(r).isEqualTo(Properties.builder().put(PropertyId.CONTENT_TYPE, "x")
                .put(PropertyId.MESSAGE_EXPIRY_INTERVAL, 4L).subscriptionIdentifier(7).build());
    }
}
