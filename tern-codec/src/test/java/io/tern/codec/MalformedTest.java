package io.tern.codec;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static io.tern.codec.MalformedPacketException.MALFORMED;
import static io.tern.codec.MalformedPacketException.PACKET_TOO_LARGE;
import static io.tern.codec.MalformedPacketException.PROTOCOL_ERROR;
import static io.tern.codec.MqttVersion.MQTT_3_1;
import static io.tern.codec.MqttVersion.MQTT_3_1_1;
import static io.tern.codec.MqttVersion.MQTT_5;
import static io.tern.codec.Wire.bytes;
import static io.tern.codec.Wire.concat;
import static io.tern.codec.Wire.errorFromClient;
import static io.tern.codec.Wire.errorFromServer;
import static io.tern.codec.Wire.hex;
import static io.tern.codec.Wire.pkt;
import static io.tern.codec.Wire.props;
import static io.tern.codec.Wire.rawStr;
import static io.tern.codec.Wire.str;
import static io.tern.codec.Wire.u16;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** One test per class of malformed input: exception type, reason code, and a message naming the problem. */
class MalformedTest {

    private static void expect(MalformedPacketException e, int reasonCode, String... messageParts) {
        assertThat(e.reasonCode()).as("reason code of '%s'", e.getMessage()).isEqualTo(reasonCode);
        assertThat(e.getMessage()).contains(messageParts);
    }

    private static byte[] connectBody(MqttVersion v, int flags, byte[]... rest) {
        return concat(str(v.protocolName()), bytes(v.level(), flags), u16(60),
                v.isV5() ? props() : new byte[0], concat(rest));
    }

    private static MalformedPacketException connectError(MqttVersion v, int flags, byte[]... rest) {
        return Wire.error(new MqttDecoder(0), pkt(0x10, connectBody(v, flags, rest)));
    }

    @Nested
    class FixedHeader {

        @Test
        void reservedPacketType0() {
            expect(errorFromClient(MQTT_3_1_1, hex("00 00")), MALFORMED, "reserved packet type 0");
        }

        @Test
        void firstPacketMustBeConnect() { // [MQTT-3.1.0-1]
            expect(Wire.error(new MqttDecoder(0), hex("C0 00")), PROTOCOL_ERROR, "first packet is PINGREQ", "CONNECT");
        }

        @Test
        void secondConnect() { // [MQTT-3.1.0-2]
            expect(errorFromClient(MQTT_3_1_1, Wire.connect(MQTT_3_1_1)), PROTOCOL_ERROR, "second CONNECT");
        }

        @Test
        void serverRejectsServerOnlyPackets() {
            expect(errorFromClient(MQTT_3_1_1, hex("20 02 00 00")), PROTOCOL_ERROR, "CONNACK is sent only by a server");
            expect(errorFromClient(MQTT_3_1_1, hex("90 03 00 01 00")), PROTOCOL_ERROR, "SUBACK");
            expect(errorFromClient(MQTT_3_1_1, hex("B0 02 00 01")), PROTOCOL_ERROR, "UNSUBACK");
            expect(errorFromClient(MQTT_3_1_1, hex("D0 00")), PROTOCOL_ERROR, "PINGRESP");
        }

        @Test
        void clientRejectsClientOnlyPackets() {
            expect(errorFromServer(MQTT_3_1_1, Wire.connect(MQTT_3_1_1)), PROTOCOL_ERROR, "CONNECT is sent only by a client");
            expect(errorFromServer(MQTT_3_1_1, hex("82 06 0001 0001 23 00")), PROTOCOL_ERROR, "SUBSCRIBE");
            expect(errorFromServer(MQTT_3_1_1, hex("A2 05 0001 0001 23")), PROTOCOL_ERROR, "UNSUBSCRIBE");
        }

        @Test
        void clientDecodesAPingReqFromTheServer() {
            // libmosquitto answers one (lib/handle_ping.c), so does Mosquitto's bridge: not an error
            assertThat(Wire.oneFromServer(MQTT_3_1_1, hex("C0 00"))).isEqualTo(Packet.PingReq.INSTANCE);
        }

        @Test
        void reservedFlagsMustBe0010OnPubrelSubscribeUnsubscribe() { // [MQTT-2.1.3-1]
            expect(errorFromClient(MQTT_3_1_1, hex("60 02 00 01")), MALFORMED, "PUBREL fixed header flags are 0x00, must be 0x02");
            expect(errorFromClient(MQTT_3_1_1, hex("80 06 0001 0001 23 00")), MALFORMED, "SUBSCRIBE fixed header flags");
            expect(errorFromClient(MQTT_3_1_1, hex("A3 05 0001 0001 23")), MALFORMED, "UNSUBSCRIBE fixed header flags are 0x03");
            expect(errorFromClient(MQTT_5, hex("8A 07 0001 00 0001 23 00")), MALFORMED, "SUBSCRIBE fixed header flags are 0x0A");
        }

        @Test
        void reservedFlagsMustBeZeroElsewhere() { // [MQTT-2.1.3-1]
            expect(errorFromClient(MQTT_3_1_1, hex("41 02 00 01")), MALFORMED, "PUBACK fixed header flags are 0x01, must be 0");
            expect(errorFromClient(MQTT_3_1_1, hex("C8 00")), MALFORMED, "PINGREQ fixed header flags");
            expect(errorFromClient(MQTT_3_1_1, hex("E2 00")), MALFORMED, "DISCONNECT fixed header flags");
            expect(Wire.error(new MqttDecoder(0), hex("12 00")), MALFORMED, "CONNECT fixed header flags are 0x02");
            expect(errorFromServer(MQTT_3_1_1, hex("21 02 00 00")), MALFORMED, "CONNACK fixed header flags");
        }

        @Test
        void publishQos3() { // [MQTT-3.3.1-4]
            expect(errorFromClient(MQTT_3_1_1, hex("36 05 0001 61 0001")), MALFORMED, "PUBLISH has QoS 3");
        }

        @Test
        void publishQos0WithDup() { // [MQTT-3.3.1-2]
            expect(errorFromClient(MQTT_3_1_1, hex("38 03 0001 61")), MALFORMED, "QoS 0 with DUP");
        }

        @Test
        void remainingLengthLongerThanFourBytes() {
            expect(errorFromClient(MQTT_3_1_1, hex("30 FF FF FF FF 01")), MALFORMED, "longer than 4 bytes");
        }

        @Test
        void remainingLengthNotMinimal() { // [MQTT-1.5.5-1]
            expect(errorFromClient(MQTT_3_1_1, hex("C0 80 00")), MALFORMED, "remaining length is not minimally encoded");
            expect(errorFromClient(MQTT_5, hex("40 82 80 00 0001")), MALFORMED, "not minimally encoded");
        }

        @Test
        void authBeforeMqtt5() {
            expect(errorFromClient(MQTT_3_1_1, hex("F0 00")), MALFORMED, "AUTH exists only in MQTT 5");
        }
    }

    @Test
    void packetTooLargeBeforeBodyArrives() {
        MqttDecoder d = new MqttDecoder(100);
        EmbeddedChannel ch = new EmbeddedChannel(d);
        ch.writeInbound(Unpooled.wrappedBuffer(Wire.connect(MQTT_5)));
        assertThat(Wire.drain(ch)).hasSize(1);
        // Header says 200 remaining bytes; none of the body is sent.
        MalformedPacketException e = catchThrowableOfType(MalformedPacketException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(hex("30 C8 01"))));
        expect(e, PACKET_TOO_LARGE, "packet of 203 bytes exceeds maximum packet size 100");
        // Later input is discarded silently: the error is raised exactly once.
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[200]));
        ch.checkException();
        assertThat(Wire.drain(ch)).isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void maxPacketSizeCountsTheFixedHeaderAndCanChange() {
        MqttDecoder d = new MqttDecoder(MQTT_3_1_1, 0);
        d.setMaxPacketSize(4);
        assertThat(d.maxPacketSize()).isEqualTo(4);
        assertThat(Wire.decode(d, hex("40 02 0001"))).hasSize(1); // exactly 4 bytes
        MqttDecoder d2 = new MqttDecoder(MQTT_3_1_1, 4);
        expect(Wire.error(d2, hex("30 03 0001 61")), PACKET_TOO_LARGE, "packet of 5 bytes exceeds maximum packet size 4");
        MqttDecoder unlimited = new MqttDecoder(MQTT_3_1_1, 4);
        unlimited.setMaxPacketSize(0);
        assertThat(Wire.decode(unlimited, hex("30 03 0001 61"))).hasSize(1);
    }

    @Nested
    class Strings {

        private MalformedPacketException topic(String hexBytes) {
            return errorFromClient(MQTT_3_1_1, pkt(0x30, rawStr(hexBytes), bytes(1)));
        }

        @Test
        void invalidUtf8() { // [MQTT-1.5.4-1]
            expect(topic("61 C3 28"), MALFORMED, "PUBLISH topic name is malformed UTF-8 at byte 2");
            expect(topic("FF"), MALFORMED, "invalid lead byte 0xFF");
            expect(topic("61 E2 82"), MALFORMED, "truncated multi-byte sequence");
            expect(topic("F4 90 80 80"), MALFORMED, "above U+10FFFF");
        }

        @Test
        void overlongEncodings() {
            expect(topic("C0 AF"), MALFORMED, "invalid lead byte 0xC0");
            expect(topic("E0 80 AF"), MALFORMED, "overlong");
            expect(topic("F0 80 80 AF"), MALFORMED, "overlong");
        }

        @Test
        void surrogates() { // [MQTT-1.5.4-1] U+D800..U+DFFF
            expect(topic("ED A0 80"), MALFORMED, "surrogate U+D800");
            expect(topic("61 ED BF BF"), MALFORMED, "surrogate U+DFFF");
        }

        @Test
        void nullCharacter() { // [MQTT-1.5.4-2]
            expect(topic("61 00 62"), MALFORMED, "PUBLISH topic name contains U+0000");
            expect(topic("C3 A9 00"), MALFORMED, "contains U+0000");
            expect(connectError(MQTT_3_1_1, 0x02, rawStr("63 00")), MALFORMED, "CONNECT client identifier contains U+0000");
            expect(errorFromClient(MQTT_5, pkt(0x40, u16(1), bytes(0x80), props(bytes(0x1F), rawStr("00")))),
                    MALFORMED, "REASON_STRING contains U+0000");
        }

        @Test
        void validMultiByteStringsAreAccepted() {
            Packet p = Wire.oneFromClient(MQTT_3_1_1, pkt(0x30, rawStr("C3A9 E282AC F09F9880 EFBFBF")));
            assertThat(((Packet.Publish) p).topic()).isEqualTo("\u00e9\u20ac\ud83d\ude00\uffff");
        }
    }

    @Nested
    class TopicsAndFilters {

        @Test
        void wildcardInTopicName() { // [MQTT-3.3.2-2]; a protocol error (0x82), as Mosquitto answers it
            expect(errorFromClient(MQTT_3_1_1, pkt(0x30, str("a/+"))), PROTOCOL_ERROR, "wildcard '+'");
            expect(errorFromClient(MQTT_5, pkt(0x30, str("a/#"), props())), PROTOCOL_ERROR, "wildcard '#'");
        }

        @Test
        void wildcardInWillTopic() {
            expect(connectError(MQTT_3_1_1, 0x06, str("c"), str("w/#"), str("x")), MALFORMED, "will topic name contains the wildcard '#'");
        }

        @Test
        void badWildcardPlacementInFilter() { // [MQTT-4.7.1-2][MQTT-4.7.1-3]
            expect(errorFromClient(MQTT_3_1_1, pkt(0x82, u16(1), str("a/b#"), bytes(0))), MALFORMED,
                    "'#' at position 3 of topic filter 'a/b#' does not fill a whole level");
            expect(errorFromClient(MQTT_3_1_1, pkt(0x82, u16(1), str("a+/b"), bytes(0))), MALFORMED,
                    "'+' at position 1 of topic filter 'a+/b'");
            expect(errorFromClient(MQTT_3_1_1, pkt(0x82, u16(1), str("#/a"), bytes(0))), MALFORMED,
                    "'#' at position 0 of topic filter '#/a' is not the last character");
            expect(errorFromClient(MQTT_3_1_1, pkt(0xA2, u16(1), str("a/+b"))), MALFORMED, "UNSUBSCRIBE '+' at position 2");
        }

        @Test
        void emptyTopicName() { // [MQTT-4.7.3-1]
            expect(errorFromClient(MQTT_3_1_1, pkt(0x30, str(""))), MALFORMED, "PUBLISH topic name is empty");
        }

        @Test
        void emptyTopicNameWithoutTopicAliasInV5() { // [MQTT-3.3.2-1]
            expect(errorFromClient(MQTT_5, pkt(0x30, str(""), props())), PROTOCOL_ERROR, "empty and there is no Topic Alias");
        }

        @Test
        void emptyFilter() { // [MQTT-4.7.3-1]
            expect(errorFromClient(MQTT_3_1_1, pkt(0x82, u16(1), str(""), bytes(0))), MALFORMED, "topic filter is empty");
            expect(errorFromClient(MQTT_3_1_1, pkt(0xA2, u16(1), str(""))), MALFORMED, "topic filter is empty");
        }
    }

    @Nested
    class PacketIdentifiers {

        @Test
        void zeroPacketIdWhereRequired() { // [MQTT-2.3.1-1]
            expect(errorFromClient(MQTT_3_1_1, pkt(0x32, str("a"), u16(0))), PROTOCOL_ERROR, "PUBLISH has packet identifier 0");
            expect(errorFromClient(MQTT_3_1_1, pkt(0x82, u16(0), str("a"), bytes(0))), PROTOCOL_ERROR, "SUBSCRIBE has packet identifier 0");
            expect(errorFromClient(MQTT_3_1_1, pkt(0xA2, u16(0), str("a"))), PROTOCOL_ERROR, "UNSUBSCRIBE has packet identifier 0");
            expect(errorFromClient(MQTT_3_1_1, pkt(0x40, u16(0))), PROTOCOL_ERROR, "PUBACK has packet identifier 0");
            expect(errorFromServer(MQTT_5, pkt(0x90, u16(0), props(), bytes(0))), PROTOCOL_ERROR, "SUBACK has packet identifier 0");
        }
    }

    @Nested
    class SubscribeAndUnsubscribe {

        @Test
        void subscribeWithoutFilters() { // [MQTT-3.8.3-3]
            expect(errorFromClient(MQTT_3_1_1, pkt(0x82, u16(1))), PROTOCOL_ERROR, "SUBSCRIBE has no topic filters");
            expect(errorFromClient(MQTT_5, pkt(0x82, u16(1), props())), PROTOCOL_ERROR, "SUBSCRIBE has no topic filters");
        }

        @Test
        void unsubscribeWithoutFilters() { // [MQTT-3.10.3-2]
            expect(errorFromClient(MQTT_3_1_1, pkt(0xA2, u16(1))), PROTOCOL_ERROR, "UNSUBSCRIBE has no topic filters");
        }

        @Test
        void requestedQos3() {
            expect(errorFromClient(MQTT_3_1_1, pkt(0x82, u16(1), str("a"), bytes(3))), MALFORMED, "requests QoS 3 for 'a'");
            expect(errorFromClient(MQTT_5, pkt(0x82, u16(1), props(), str("a"), bytes(3))), PROTOCOL_ERROR, "Maximum QoS 3");
        }

        @Test
        void v3ReservedBits() { // [MQTT-3.8.3-4]
            expect(errorFromClient(MQTT_3_1_1, pkt(0x82, u16(1), str("a"), bytes(0x04))), MALFORMED, "reserved bits 0x04");
        }

        @Test
        void v5ReservedOptionBits() { // [MQTT-3.8.3-5]
            expect(errorFromClient(MQTT_5, pkt(0x82, u16(1), props(), str("a"), bytes(0x40))), MALFORMED,
                    "reserved subscription option bits 0x40");
        }

        @Test
        void retainHandling3() {
            expect(errorFromClient(MQTT_5, pkt(0x82, u16(1), props(), str("a"), bytes(0x30))), PROTOCOL_ERROR, "Retain Handling 3");
        }

        @Test
        void noLocalOnSharedSubscription() { // [MQTT-3.8.3-4] (MQTT 5 numbering)
            expect(errorFromClient(MQTT_5, pkt(0x82, u16(1), props(), str("$share/g/a"), bytes(0x04))), PROTOCOL_ERROR,
                    "No Local on the shared subscription");
        }
    }

    @Nested
    class Connect {

        @Test
        void reservedFlag() { // [MQTT-3.1.2-3]
            expect(connectError(MQTT_3_1_1, 0x03, str("c")), MALFORMED, "reserved flag");
        }

        @Test
        void willQosWithoutWillFlag() { // 3.1.1 [MQTT-3.1.2-13], 5.0 [MQTT-3.1.2-11]
            expect(connectError(MQTT_3_1_1, 0x0A, str("c")), MALFORMED, "Will QoS 1 but the Will Flag is 0");
            expect(connectError(MQTT_5, 0x12, str("c")), MALFORMED, "Will QoS 2 but the Will Flag is 0");
        }

        @Test
        void willRetainWithoutWillFlag() { // 3.1.1 [MQTT-3.1.2-15], 5.0 [MQTT-3.1.2-13]
            expect(connectError(MQTT_3_1_1, 0x22, str("c")), MALFORMED, "Will Retain set but the Will Flag is 0");
        }

        @Test
        void willQos3() { // 3.1.1 [MQTT-3.1.2-14], 5.0 [MQTT-3.1.2-12]
            expect(connectError(MQTT_3_1_1, 0x1E, str("c"), str("w"), str("x")), MALFORMED, "Will QoS 3");
        }

        @Test
        void passwordWithoutUserNameBeforeV5() { // [MQTT-3.1.2-22]
            expect(connectError(MQTT_3_1_1, 0x42, str("c"), str("pw")), MALFORMED, "Password Flag without the User Name Flag");
            expect(connectError(MQTT_3_1, 0x42, str("c"), str("pw")), MALFORMED, "MQTT 3.1 forbids");
            Packet ok = Wire.decode(new MqttDecoder(0), pkt(0x10, connectBody(MQTT_5, 0x42, str("c"), str("pw")))).get(0);
            assertThat(((Packet.Connect) ok).password()).isEqualTo("pw".getBytes());
        }

        @Test
        void unsupportedProtocolLevel() { // [MQTT-3.1.2-2]
            byte[] connect = pkt(0x10, str("MQTT"), bytes(6, 2), u16(60), str("c"));
            MqttDecoder d = new MqttDecoder(0);
            EmbeddedChannel ch = new EmbeddedChannel(d);
            UnsupportedProtocolException e = catchThrowableOfType(UnsupportedProtocolException.class,
                    () -> ch.writeInbound(Unpooled.wrappedBuffer(concat(connect, hex("C0 00")))));
            assertThat(e.protocolName()).isEqualTo("MQTT");
            assertThat(e.level()).isEqualTo(6);
            assertThat(e.reasonCode()).isEqualTo(0x84);
            assertThat(e.getMessage()).contains("unsupported protocol 'MQTT' level 6");
            assertThat(d.version()).isNull();
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }

        @Test
        void unsupportedProtocolName() { // [MQTT-3.1.2-1]
            MalformedPacketException e = Wire.error(new MqttDecoder(0), pkt(0x10, str("MQTX"), bytes(4, 2), u16(60), str("c")));
            assertThat(e).isInstanceOfSatisfying(UnsupportedProtocolException.class, u -> {
                assertThat(u.protocolName()).isEqualTo("MQTX");
                assertThat(u.level()).isEqualTo(4);
            });
            // A 3.1 name with a 3.1.1 level is not a pair we speak either.
            MalformedPacketException mixed = Wire.error(new MqttDecoder(0), pkt(0x10, str("MQIsdp"), bytes(4, 2), u16(60), str("c")));
            assertThat(mixed).isInstanceOfSatisfying(UnsupportedProtocolException.class,
                    u -> assertThat(u.level()).isEqualTo(4));
        }

        @Test
        void truncatedConnect() {
            expect(Wire.error(new MqttDecoder(0), pkt(0x10, str("MQTT"), bytes(4, 2), bytes(0))), MALFORMED,
                    "CONNECT ends inside the keep alive (2 byte(s) needed, 1 left)");
        }

        @Test
        void authenticationDataWithoutMethod() {
            byte[] body = concat(str("MQTT"), bytes(5, 2), u16(60), props(bytes(0x16), str("data")), str("c"));
            expect(Wire.error(new MqttDecoder(0), pkt(0x10, body)), PROTOCOL_ERROR, "Authentication Data without an Authentication Method");
        }

        @Test
        void willPropertyNotAllowed() {
            byte[] body = concat(str("MQTT"), bytes(5, 0x06), u16(60), props(), str("c"),
                    props(bytes(0x11, 0, 0, 0, 1)), str("w"), str("x"));
            expect(Wire.error(new MqttDecoder(0), pkt(0x10, body)), MALFORMED, "SESSION_EXPIRY_INTERVAL, which a Will may not carry");
        }
    }

    @Nested
    class Lengths {

        @Test
        void trailingBytes() {
            expect(errorFromClient(MQTT_3_1_1, hex("40 03 0001 00")), MALFORMED, "PUBACK has 1 unexpected trailing byte");
            expect(errorFromClient(MQTT_3_1_1, hex("C0 01 00")), MALFORMED, "PINGREQ has 1 unexpected trailing byte");
            expect(errorFromClient(MQTT_3_1_1, hex("E0 01 00")), MALFORMED, "DISCONNECT has 1 unexpected trailing byte");
            expect(connectError(MQTT_3_1_1, 0x02, str("c"), bytes(0)), MALFORMED, "CONNECT has 1 unexpected trailing byte");
            expect(errorFromServer(MQTT_3_1_1, hex("20 03 00 00 00")), MALFORMED, "CONNACK has 1 unexpected trailing byte");
        }

        @Test
        void shorterThanItsFields() {
            expect(errorFromClient(MQTT_3_1_1, hex("40 01 00")), MALFORMED, "PUBACK ends inside the packet identifier");
            expect(errorFromClient(MQTT_3_1_1, pkt(0x30, u16(5), bytes('a'))), MALFORMED, "PUBLISH ends inside the topic name (5 byte(s) needed, 1 left)");
            expect(errorFromClient(MQTT_3_1_1, pkt(0x82, u16(1), str("a"))), MALFORMED, "SUBSCRIBE ends inside the subscription options");
            expect(errorFromServer(MQTT_3_1_1, hex("20 01 00")), MALFORMED, "CONNACK ends inside the return code");
        }
    }

    @Nested
    class Properties5 {

        private MalformedPacketException publishWith(byte[]... ps) {
            return errorFromClient(MQTT_5, pkt(0x30, str("t"), props(ps), bytes(1, 2)));
        }

        @Test
        void unknownProperty() {
            expect(publishWith(bytes(0x05, 0)), MALFORMED, "unknown property identifier 0x05");
        }

        @Test
        void propertyNotAllowedOnPacket() {
            expect(publishWith(bytes(0x11, 0, 0, 0, 1)), MALFORMED, "PUBLISH properties contain SESSION_EXPIRY_INTERVAL, which PUBLISH may not carry");
            expect(errorFromClient(MQTT_5, pkt(0x40, u16(1), bytes(0), props(bytes(0x23, 0, 1)))), MALFORMED, "TOPIC_ALIAS, which PUBACK may not carry");
        }

        @Test
        void duplicateProperty() {
            expect(publishWith(bytes(0x03), str("a"), bytes(0x03), str("b")), PROTOCOL_ERROR, "CONTENT_TYPE more than once");
            expect(errorFromClient(MQTT_5, pkt(0x82, u16(1), props(bytes(0x0B, 1, 0x0B, 2)), str("a"), bytes(0))),
                    PROTOCOL_ERROR, "SUBSCRIPTION_IDENTIFIER more than once");
        }

        @Test
        void subscriptionIdentifierZero() {
            expect(errorFromClient(MQTT_5, pkt(0x82, u16(1), props(bytes(0x0B, 0)), str("a"), bytes(0))),
                    PROTOCOL_ERROR, "SUBSCRIPTION_IDENTIFIER is 0");
        }

        @Test
        void subscriptionIdentifierFromClientPublish() { // [MQTT-3.3.4-6]
            expect(publishWith(bytes(0x0B, 1)), PROTOCOL_ERROR, "PUBLISH from a client carries a Subscription Identifier");
        }

        @Test
        void zeroValuesThatMustNotBeZero() {
            byte[] base = concat(str("MQTT"), bytes(5, 2), u16(60));
            expect(Wire.error(new MqttDecoder(0), pkt(0x10, base, props(bytes(0x21, 0, 0)), str("c"))), PROTOCOL_ERROR, "RECEIVE_MAXIMUM is 0");
            expect(Wire.error(new MqttDecoder(0), pkt(0x10, base, props(bytes(0x27, 0, 0, 0, 0)), str("c"))), PROTOCOL_ERROR, "MAXIMUM_PACKET_SIZE is 0");
            expect(publishWith(bytes(0x23, 0, 0)), PROTOCOL_ERROR, "TOPIC_ALIAS is 0");
        }

        @Test
        void aPayloadFormatIndicatorOtherThan0Or1IsKeptForTheBrokerToJudge() {
            // 3.3.2.3.2 names 0 and 1 but makes no other value an error, and a server MUST forward the
            // indicator unaltered [MQTT-3.3.2-4]: Mosquitto forwards 237 (12-prop-subpub-payload-format)
            Packet.Publish p = (Packet.Publish) Wire.oneFromClient(MQTT_5, pkt(0x30, str("t"), props(bytes(0x01, 0xED)),
                    bytes(1, 2)));
            assertThat(p.properties().intValue(PropertyId.PAYLOAD_FORMAT_INDICATOR, 0)).isEqualTo(0xED);
        }

        @Test
        void booleanPropertiesMustBe0Or1() {
            byte[] base = concat(str("MQTT"), bytes(5, 2), u16(60));
            expect(Wire.error(new MqttDecoder(0), pkt(0x10, base, props(bytes(0x17, 2)), str("c"))), PROTOCOL_ERROR, "REQUEST_PROBLEM_INFORMATION is 2");
            expect(Wire.error(new MqttDecoder(0), pkt(0x10, base, props(bytes(0x19, 7)), str("c"))), PROTOCOL_ERROR, "REQUEST_RESPONSE_INFORMATION is 7");
            expect(errorFromServer(MQTT_5, pkt(0x20, bytes(0, 0), props(bytes(0x24, 2)))), PROTOCOL_ERROR, "MAXIMUM_QOS is 2");
        }

        @Test
        void propertyLengthBeyondPacket() {
            expect(errorFromClient(MQTT_5, pkt(0x30, str("t"), bytes(10, 1))), MALFORMED, "PUBLISH properties length 10 exceeds the 1 bytes left");
        }

        @Test
        void propertyValueTruncatedByPropertyLength() {
            expect(errorFromClient(MQTT_5, pkt(0x30, str("t"), bytes(2, 0x02, 0), bytes(0, 0, 0))), MALFORMED,
                    "PUBLISH property list ends inside the MESSAGE_EXPIRY_INTERVAL");
        }

        @Test
        void nonMinimalVariableByteIntegerInProperties() { // [MQTT-1.5.5-1]
            expect(errorFromClient(MQTT_5, pkt(0x30, str("t"), bytes(0x80, 0x00))), MALFORMED, "property length is not minimally encoded");
        }

        @Test
        void responseTopicWithWildcard() { // [MQTT-3.3.2-14]
            expect(publishWith(bytes(0x08), str("r/#")), PROTOCOL_ERROR, "RESPONSE_TOPIC topic name contains the wildcard");
        }

        @Test
        void undefinedReasonCodes() {
            expect(errorFromClient(MQTT_5, pkt(0x40, u16(1), bytes(0x05))), PROTOCOL_ERROR, "PUBACK reason code 0x05 is not defined");
            expect(errorFromClient(MQTT_5, pkt(0x62, u16(1), bytes(0x10))), PROTOCOL_ERROR, "PUBREL reason code 0x10");
            expect(errorFromClient(MQTT_5, pkt(0xE0, bytes(0x01))), PROTOCOL_ERROR, "DISCONNECT reason code 0x01");
            expect(errorFromClient(MQTT_5, pkt(0xF0, bytes(0x00 + 0x17))), PROTOCOL_ERROR, "AUTH reason code 0x17");
            expect(errorFromServer(MQTT_5, pkt(0x90, u16(1), props(), bytes(0x03))), PROTOCOL_ERROR, "SUBACK reason code 0x03");
            expect(errorFromServer(MQTT_3_1_1, pkt(0x90, u16(1), bytes(0x81))), PROTOCOL_ERROR, "SUBACK return code 0x81");
            expect(errorFromServer(MQTT_3_1_1, hex("20 02 00 06")), PROTOCOL_ERROR, "CONNACK return code 6");
        }

        @Test
        void sessionPresentWithFailure() { // [MQTT-3.2.2-4]
            expect(errorFromServer(MQTT_3_1_1, hex("20 02 01 05")), PROTOCOL_ERROR, "Session Present with the non-zero code");
        }

        @Test
        void serverReferenceFromClient() {
            expect(errorFromClient(MQTT_5, pkt(0xE0, bytes(0x9C), props(bytes(0x1C), str("other")))), PROTOCOL_ERROR, "Server Reference");
        }
    }
}
