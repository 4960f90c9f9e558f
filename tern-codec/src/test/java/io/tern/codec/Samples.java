package io.tern.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Valid packets of every type for a version, with every field in use. */
final class Samples {

    private Samples() {
    }

    static Properties props(PropertyId... ids) {
        Properties.Builder b = Properties.builder();
        for (PropertyId id : ids) {
            switch (id) {
                case USER_PROPERTY -> b.userProperty("k", "v\u00e9").userProperty("k", "v2");
                case SUBSCRIPTION_IDENTIFIER -> b.subscriptionIdentifier(1).subscriptionIdentifier(268_435_455);
                case PAYLOAD_FORMAT_INDICATOR, REQUEST_PROBLEM_INFORMATION, REQUEST_RESPONSE_INFORMATION,
                        MAXIMUM_QOS, RETAIN_AVAILABLE, WILDCARD_SUBSCRIPTION_AVAILABLE,
                        SUBSCRIPTION_IDENTIFIER_AVAILABLE, SHARED_SUBSCRIPTION_AVAILABLE -> b.put(id, 1);
                case RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS, SERVER_KEEP_ALIVE -> b.put(id, 65_535);
                case MESSAGE_EXPIRY_INTERVAL, SESSION_EXPIRY_INTERVAL, WILL_DELAY_INTERVAL, MAXIMUM_PACKET_SIZE ->
                        b.put(id, 0xFFFF_FFFFL);
                case CONTENT_TYPE, ASSIGNED_CLIENT_IDENTIFIER, AUTHENTICATION_METHOD, RESPONSE_INFORMATION,
                        SERVER_REFERENCE, REASON_STRING -> b.put(id, "text-" + id.id() + "-\u20ac\ud83d\ude00");
                case RESPONSE_TOPIC -> b.put(id, "reply/to");
                case CORRELATION_DATA, AUTHENTICATION_DATA -> b.put(id, new byte[] {0, 1, (byte) 0xFF});
            }
        }
        return b.build();
    }

    /** Every property allowed in a packet type. */
    static Properties allFor(PacketType t) {
        List<PropertyId> ids = new ArrayList<>();
        for (PropertyId id : PropertyId.values()) {
            if (id.allowedIn(t)) {
                ids.add(id);
            }
        }
        return props(ids.toArray(new PropertyId[0]));
    }

    static Properties allForWill() {
        List<PropertyId> ids = new ArrayList<>();
        for (PropertyId id : PropertyId.values()) {
            if (id.allowedInWill()) {
                ids.add(id);
            }
        }
        return props(ids.toArray(new PropertyId[0]));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Packets a client sends (besides CONNECT), valid for the version. */
    static List<Packet> fromClient(MqttVersion v) {
        boolean v5 = v.isV5();
        List<Packet> l = new ArrayList<>();
        Properties pub = v5 ? allFor(PacketType.PUBLISH).toBuilder().remove(PropertyId.SUBSCRIPTION_IDENTIFIER).build()
                : Properties.EMPTY;
        l.add(new Packet.Publish("a/b", 0, false, false, 0, bytes("hello"), Properties.EMPTY));
        l.add(new Packet.Publish("a/\u00e9/\ud83d\ude00", 1, true, true, 1, new byte[0], pub));
        l.add(new Packet.Publish("x", 2, false, false, 65_535, new byte[300], Properties.EMPTY));
        l.addAll(acks(v));
        List<Packet.Subscription> subs = v5
                ? List.of(new Packet.Subscription("a/+/c", 0, true, true, 2), new Packet.Subscription("#", 2),
                        new Packet.Subscription("$share/g/t/#", 1, false, false, 1))
                : List.of(new Packet.Subscription("a/+/c", 0), new Packet.Subscription("#", 2),
                        new Packet.Subscription("+", 1));
        l.add(new Packet.Subscribe(7, subs, v5 ? props(PropertyId.USER_PROPERTY).toBuilder()
                .subscriptionIdentifier(99).build() : Properties.EMPTY));
        l.add(new Packet.Unsubscribe(8, List.of("a/+/c", "#"), v5 ? props(PropertyId.USER_PROPERTY) : Properties.EMPTY));
        l.add(Packet.PingReq.INSTANCE);
        l.add(Packet.Disconnect.NORMAL);
        if (v5) {
            l.add(new Packet.Disconnect(0x04, Properties.EMPTY));
            l.add(new Packet.Disconnect(0x00, props(PropertyId.SESSION_EXPIRY_INTERVAL, PropertyId.REASON_STRING,
                    PropertyId.USER_PROPERTY)));
            l.add(new Packet.Auth(0, Properties.EMPTY));
            l.add(new Packet.Auth(0x18, allFor(PacketType.AUTH)));
            l.add(new Packet.Auth(0x19, Properties.EMPTY));
        }
        return l;
    }

    /** Packets a server sends, valid for the version. */
    static List<Packet> fromServer(MqttVersion v) {
        boolean v5 = v.isV5();
        List<Packet> l = new ArrayList<>();
        l.add(new Packet.ConnAck(v != MqttVersion.MQTT_3_1, 0, v5 ? allFor(PacketType.CONNACK) : Properties.EMPTY));
        l.add(new Packet.ConnAck(false, v5 ? 0x87 : 5, Properties.EMPTY));
        l.add(new Packet.Publish("a/b", 0, false, false, 0, bytes("hello"), Properties.EMPTY));
        l.add(new Packet.Publish("a/b", 2, true, false, 3, bytes("hello"), v5 ? allFor(PacketType.PUBLISH) : Properties.EMPTY));
        if (v5) {
            l.add(new Packet.Publish("", 1, false, false, 3, bytes("aliased"), props(PropertyId.TOPIC_ALIAS)));
        }
        l.addAll(acks(v));
        l.add(new Packet.SubAck(7, v5 ? List.of(0, 1, 2, 0x80, 0x8F, 0xA2) : List.of(0, 1, 2, 0x80),
                v5 ? allFor(PacketType.SUBACK) : Properties.EMPTY));
        l.add(new Packet.UnsubAck(8, v5 ? List.of(0, 0x11, 0x87) : List.of(),
                v5 ? allFor(PacketType.UNSUBACK) : Properties.EMPTY));
        l.add(Packet.PingResp.INSTANCE);
        if (v5) {
            l.add(new Packet.Disconnect(0x8E, props(PropertyId.REASON_STRING, PropertyId.SERVER_REFERENCE)));
            l.add(new Packet.Auth(0x18, allFor(PacketType.AUTH)));
        }
        return l;
    }

    private static List<Packet> acks(MqttVersion v) {
        boolean v5 = v.isV5();
        List<Packet> l = new ArrayList<>();
        l.add(new Packet.PubAck(1, 0, Properties.EMPTY));
        l.add(new Packet.PubRec(2, 0, Properties.EMPTY));
        l.add(new Packet.PubRel(3, 0, Properties.EMPTY));
        l.add(new Packet.PubComp(65_535, 0, Properties.EMPTY));
        if (v5) {
            l.add(new Packet.PubAck(1, 0x10, Properties.EMPTY));
            l.add(new Packet.PubAck(1, 0, props(PropertyId.REASON_STRING)));
            l.add(new Packet.PubRec(2, 0x97, allFor(PacketType.PUBREC)));
            l.add(new Packet.PubRel(3, 0x92, Properties.EMPTY));
            l.add(new Packet.PubComp(4, 0x92, allFor(PacketType.PUBCOMP)));
        }
        return l;
    }

    /** CONNECTs exercising every flag combination that is valid for the version. */
    static List<Packet.Connect> connects(MqttVersion v) {
        boolean v5 = v.isV5();
        List<Packet.Connect> l = new ArrayList<>();
        Properties cp = v5 ? allFor(PacketType.CONNECT) : Properties.EMPTY;
        Properties wp = v5 ? allForWill() : Properties.EMPTY;
        l.add(new Packet.Connect(v, "client-1", true, 60, null, null, null, Properties.EMPTY));
        l.add(new Packet.Connect(v, "", false, 0, "user", bytes("pw"), null, cp));
        l.add(new Packet.Connect(v, "c\u00e9", true, 65_535, "u", new byte[0],
                new Packet.Will("will/t", bytes("bye"), 2, true, wp), cp));
        l.add(new Packet.Connect(v, "w", false, 10, null, null,
                new Packet.Will("w", new byte[0], 1, false, Properties.EMPTY), Properties.EMPTY));
        if (v5) {
            l.add(new Packet.Connect(v, "pw-only", true, 10, null, bytes("secret"), null, Properties.EMPTY));
        }
        return l;
    }
}
