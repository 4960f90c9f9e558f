package io.tern.codec;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tern.codec.MqttVersion.MQTT_3_1;
import static io.tern.codec.MqttVersion.MQTT_3_1_1;
import static io.tern.codec.MqttVersion.MQTT_5;
import static io.tern.codec.Samples.bytes;
import static io.tern.codec.Wire.encode;
import static io.tern.codec.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Byte vectors: the specifications' examples and hand-built packets, checked in both directions
 * (decoding gives the record, encoding the record gives the bytes).
 */
class VectorTest {

    private static final Properties EMPTY = Properties.EMPTY;

    private static void fromClientBothWays(MqttVersion v, String bytes, Packet expected) {
        assertThat(Wire.oneFromClient(v, hex(bytes))).usingRecursiveComparison().isEqualTo(expected);
        assertThat(hex(encode(expected, v))).isEqualToIgnoringCase(bytes.replace(" ", ""));
    }

    private static void fromServerBothWays(MqttVersion v, String bytes, Packet expected) {
        assertThat(Wire.oneFromServer(v, hex(bytes))).usingRecursiveComparison().isEqualTo(expected);
        assertThat(hex(encode(expected, v))).isEqualToIgnoringCase(bytes.replace(" ", ""));
    }

    private static void connectBothWays(String bytes, Packet.Connect expected) {
        MqttDecoder d = new MqttDecoder(0);
        List<Packet> out = Wire.decode(d, hex(bytes));
        assertThat(out).singleElement().usingRecursiveComparison().isEqualTo(expected);
        assertThat(d.version()).isEqualTo(expected.version());
        assertThat(hex(encode(expected, expected.version()))).isEqualToIgnoringCase(bytes.replace(" ", ""));
    }

    @Test
    void connect311SpecVariableHeader() {
        // MQTT 3.1.1 figure 3.6: "MQTT", level 4, flags 0xCE (user, password, will QoS 1, will, clean), keep alive 10.
        connectBothWays("10 1B 0004 4D515454 04 CE 000A 0003 636964 0001 77 0001 78 0001 75 0001 70",
                new Packet.Connect(MQTT_3_1_1, "cid", true, 10, "u", bytes("p"),
                        new Packet.Will("w", bytes("x"), 1, false, EMPTY), EMPTY));
    }

    @Test
    void connect5SpecVariableHeader() {
        // MQTT 5.0 figure 3-6 (with its two properties): 08 11 0000000A 21 0014 (session expiry 10, receive maximum 20).
        connectBothWays("10 25 0004 4D515454 05 CE 000A 08 11 0000000A 21 0014 0003 636964 00 0001 77 0001 78"
                        + " 0001 75 0001 70",
                new Packet.Connect(MQTT_5, "cid", true, 10, "u", bytes("p"),
                        new Packet.Will("w", bytes("x"), 1, false, EMPTY),
                        Properties.builder().put(PropertyId.SESSION_EXPIRY_INTERVAL, 10L)
                                .put(PropertyId.RECEIVE_MAXIMUM, 20).build()));
    }

    @Test
    void connect31UsesMQIsdpLevel3() {
        connectBothWays("10 11 0006 4D5149736470 03 02 003C 0003 636964",
                new Packet.Connect(MQTT_3_1, "cid", true, 60, null, null, null, EMPTY));
    }

    @Test
    void connectWillRetainQos2() {
        // flags 0x34: will retain, will QoS 2, will flag.
        connectBothWays("10 17 0004 4D515454 04 34 0000 0001 63 0003 612F62 0003 010203",
                new Packet.Connect(MQTT_3_1_1, "c", false, 0, null, null,
                        new Packet.Will("a/b", new byte[] {1, 2, 3}, 2, true, EMPTY), EMPTY));
    }

    @Test
    void mosquittoBridgeLevelIsAcceptedAndReported() {
        MqttDecoder d = new MqttDecoder(0);
        List<Packet> out = Wire.decode(d, hex("10 0D 0004 4D515454 84 02 003C 0001 63"));
        assertThat(out).singleElement().isInstanceOf(Packet.Connect.class);
        assertThat(d.version()).isEqualTo(MQTT_3_1_1);
        assertThat(d.bridge()).isTrue();
    }

    @Test
    void connAck() {
        fromServerBothWays(MQTT_3_1_1, "20 02 01 00", new Packet.ConnAck(true, 0, EMPTY));
        fromServerBothWays(MQTT_3_1_1, "20 02 00 05", new Packet.ConnAck(false, 5, EMPTY));
        fromServerBothWays(MQTT_3_1, "20 02 00 02", new Packet.ConnAck(false, 2, EMPTY));
        fromServerBothWays(MQTT_5, "20 03 01 00 00", new Packet.ConnAck(true, 0, EMPTY));
        fromServerBothWays(MQTT_5, "20 0A 00 87 07 1F 0004 6E6F7065",
                new Packet.ConnAck(false, 0x87, Properties.builder().put(PropertyId.REASON_STRING, "nope").build()));
        // [MQTT-3.2.2-1] the 3.1 CONNACK has no Session Present: its first byte is ignored and written as 0.
        assertThat(hex(encode(new Packet.ConnAck(true, 0, EMPTY), MQTT_3_1))).isEqualTo("20020000");
    }

    @Test
    void aV311RefusalOfAV5ConnectReadsAsUnsupportedProtocolVersion() {
        // MQTT 5 section 3.1.2.2: a server that does not speak 5.0 may answer with its own CONNACK, code 1
        assertThat(Wire.oneFromServer(MQTT_5, hex("20 02 00 01"))).usingRecursiveComparison()
                .isEqualTo(new Packet.ConnAck(false, 0x84, EMPTY));
    }

    @Test
    void connAckV5CodesMapToV3ReturnCodes() {
        assertThat(hex(encode(new Packet.ConnAck(false, 0x86, EMPTY), MQTT_3_1_1))).isEqualTo("20020004");
        assertThat(hex(encode(new Packet.ConnAck(false, 0x84, EMPTY), MQTT_3_1_1))).isEqualTo("20020001");
        assertThat(hex(encode(new Packet.ConnAck(false, 0x87, EMPTY), MQTT_3_1_1))).isEqualTo("20020005");
    }

    @Test
    void publish() {
        fromClientBothWays(MQTT_3_1_1, "32 09 0003 612F62 000A 6869",
                new Packet.Publish("a/b", 1, false, false, 10, bytes("hi"), EMPTY));
        fromClientBothWays(MQTT_3_1_1, "31 07 0003 612F62 6869",
                new Packet.Publish("a/b", 0, true, false, 0, bytes("hi"), EMPTY));
        fromClientBothWays(MQTT_3_1_1, "3C 07 0003 612F62 0001",
                new Packet.Publish("a/b", 2, false, true, 1, new byte[0], EMPTY));
        fromClientBothWays(MQTT_5, "30 08 0003 612F62 00 6869",
                new Packet.Publish("a/b", 0, false, false, 0, bytes("hi"), EMPTY));
        // [MQTT-3.3.2-1] an empty topic with a Topic Alias.
        fromClientBothWays(MQTT_5, "30 08 0000 03 23 0005 6869",
                new Packet.Publish("", 0, false, false, 0, bytes("hi"),
                        Properties.builder().put(PropertyId.TOPIC_ALIAS, 5).build()));
        // Multi-byte remaining length: 200-byte payload.
        byte[] big = new byte[200];
        String expected = "30 CD01 0003 612F62 " + hex(big);
        fromClientBothWays(MQTT_3_1_1, expected, new Packet.Publish("a/b", 0, false, false, 0, big, EMPTY));
    }

    @Test
    void publishWithSubscriptionIdentifiersFromServer() {
        fromServerBothWays(MQTT_5, "30 0D 0003 612F62 05 0B 01 0B 80 01 6869",
                new Packet.Publish("a/b", 0, false, false, 0, bytes("hi"),
                        Properties.builder().subscriptionIdentifier(1).subscriptionIdentifier(128).build()));
    }

    @Test
    void acknowledgements() {
        fromClientBothWays(MQTT_3_1_1, "40 02 000A", new Packet.PubAck(10, 0, EMPTY));
        fromClientBothWays(MQTT_3_1_1, "50 02 000A", new Packet.PubRec(10, 0, EMPTY));
        fromClientBothWays(MQTT_3_1_1, "62 02 000A", new Packet.PubRel(10, 0, EMPTY));
        fromClientBothWays(MQTT_3_1_1, "70 02 000A", new Packet.PubComp(10, 0, EMPTY));
        // MQTT 5 short forms: remaining length 2 = Success, no properties; 3 = reason code, no properties.
        fromClientBothWays(MQTT_5, "40 02 000A", new Packet.PubAck(10, 0, EMPTY));
        fromClientBothWays(MQTT_5, "40 03 000A 10", new Packet.PubAck(10, 0x10, EMPTY));
        fromClientBothWays(MQTT_5, "50 03 000A 80", new Packet.PubRec(10, 0x80, EMPTY));
        fromClientBothWays(MQTT_5, "62 03 000A 92", new Packet.PubRel(10, 0x92, EMPTY));
        fromClientBothWays(MQTT_5, "70 02 000A", new Packet.PubComp(10, 0, EMPTY));
        fromClientBothWays(MQTT_5, "40 08 000A 00 04 1F 0001 72",
                new Packet.PubAck(10, 0, Properties.builder().put(PropertyId.REASON_STRING, "r").build()));
        // The long form of Success is accepted too.
        assertThat(Wire.oneFromClient(MQTT_5, hex("40 04 000A 00 00")))
                .usingRecursiveComparison().isEqualTo(new Packet.PubAck(10, 0, EMPTY));
        // 3.1.1 has no reason codes: a v5 code is dropped.
        assertThat(hex(encode(new Packet.PubAck(10, 0x80, EMPTY), MQTT_3_1_1))).isEqualTo("4002000a");
    }

    @Test
    void subscribe() {
        fromClientBothWays(MQTT_3_1_1, "82 0C 000A 0003 612F62 01 0001 23 02",
                new Packet.Subscribe(10, List.of(new Packet.Subscription("a/b", 1), new Packet.Subscription("#", 2)),
                        EMPTY));
        // Options 0x2D: retain handling 2, retain as published, no local, QoS 1; Subscription Identifier 5.
        fromClientBothWays(MQTT_5, "82 0B 000A 02 0B 05 0003 612F62 2D",
                new Packet.Subscribe(10, List.of(new Packet.Subscription("a/b", 1, true, true, 2)),
                        Properties.builder().subscriptionIdentifier(5).build()));
    }

    @Test
    void subAck() {
        fromServerBothWays(MQTT_3_1_1, "90 04 000A 01 80", new Packet.SubAck(10, List.of(1, 0x80), EMPTY));
        fromServerBothWays(MQTT_5, "90 05 000A 00 02 8F", new Packet.SubAck(10, List.of(2, 0x8F), EMPTY));
        // 3.1.1 knows only 0x80 for failure.
        assertThat(hex(encode(new Packet.SubAck(10, List.of(0x87), EMPTY), MQTT_3_1_1))).isEqualTo("9003000a80");
    }

    @Test
    void unsubscribe() {
        fromClientBothWays(MQTT_3_1_1, "A2 07 000A 0003 612F62",
                new Packet.Unsubscribe(10, List.of("a/b"), EMPTY));
        fromClientBothWays(MQTT_5, "A2 0D 000A 00 0003 612F62 0003 612F2B",
                new Packet.Unsubscribe(10, List.of("a/b", "a/+"), EMPTY));
    }

    @Test
    void unsubAck() {
        fromServerBothWays(MQTT_3_1_1, "B0 02 000A", new Packet.UnsubAck(10, List.of(), EMPTY));
        fromServerBothWays(MQTT_5, "B0 05 000A 00 00 11", new Packet.UnsubAck(10, List.of(0, 0x11), EMPTY));
    }

    @Test
    void pingAndDisconnect() {
        fromClientBothWays(MQTT_3_1_1, "C0 00", Packet.PingReq.INSTANCE);
        fromServerBothWays(MQTT_3_1_1, "D0 00", Packet.PingResp.INSTANCE);
        fromClientBothWays(MQTT_3_1_1, "E0 00", Packet.Disconnect.NORMAL);
        fromClientBothWays(MQTT_5, "E0 00", Packet.Disconnect.NORMAL);
        fromClientBothWays(MQTT_5, "E0 01 04", new Packet.Disconnect(4, EMPTY));
        fromClientBothWays(MQTT_5, "E0 07 00 05 11 0000003C",
                new Packet.Disconnect(0, Properties.builder().put(PropertyId.SESSION_EXPIRY_INTERVAL, 60L).build()));
        fromServerBothWays(MQTT_5, "E0 01 8E", new Packet.Disconnect(0x8E, EMPTY));
        assertThat(Wire.oneFromClient(MQTT_5, hex("E0 02 00 00"))).isSameAs(Packet.Disconnect.NORMAL);
    }

    @Test
    void auth() {
        fromClientBothWays(MQTT_5, "F0 00", new Packet.Auth(0, EMPTY));
        fromClientBothWays(MQTT_5, "F0 06 18 04 15 0001 6D",
                new Packet.Auth(0x18, Properties.builder().put(PropertyId.AUTHENTICATION_METHOD, "m").build()));
        fromServerBothWays(MQTT_5, "F0 01 19", new Packet.Auth(0x19, EMPTY));
    }

    @Test
    void mqtt31AcceptsDupOnResentSubscribe() {
        assertThat(Wire.oneFromClient(MQTT_3_1, hex("8A 06 000A 0001 23 00")))
                .isInstanceOf(Packet.Subscribe.class);
    }

    @Test
    void userPropertiesKeepOrderAndRepeats() {
        Properties p = Properties.builder().userProperty("a", "1").userProperty("b", "2").userProperty("a", "3").build();
        Packet.PubAck ack = new Packet.PubAck(1, 0, p);
        fromClientBothWays(MQTT_5, "40 19 0001 00 15 26 0001 61 0001 31 26 0001 62 0001 32 26 0001 61 0001 33", ack);
    }
}
