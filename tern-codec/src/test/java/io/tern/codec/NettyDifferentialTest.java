package io.tern.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageFactory;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribePayload;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribePayload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential test against Netty's netty-codec-mqtt: packets encoded by one codec are decoded by the other
 * and the fields compared. Netty is lenient where we are strict, so only valid packets are exchanged.
 */
class NettyDifferentialTest {

    /** Netty writes properties in its own order; the order we keep is checked in PropertyOrderTest. */
    private static final String WIRE_ORDER = ".*properties\\.order";

    // ---- ours -> Netty ----

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void nettyDecodesOurClientPackets(MqttVersion v) {
        List<Packet> sent = new ArrayList<>(connects(v));
        sent.addAll(Samples.fromClient(v));
        for (Packet p : sent) {
            assertThat(viaNettyDecoder(v, p)).as("%s in %s", p, v).usingRecursiveComparison().ignoringFieldsMatchingRegexes(WIRE_ORDER).isEqualTo(p);
        }
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void nettyDecodesOurServerPackets(MqttVersion v) {
        for (Packet p : Samples.fromServer(v)) {
            assertThat(viaNettyDecoder(v, p)).as("%s in %s", p, v).usingRecursiveComparison().ignoringFieldsMatchingRegexes(WIRE_ORDER).isEqualTo(p);
        }
    }

    // ---- Netty -> ours ----

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void weDecodeNettyClientPackets(MqttVersion v) {
        List<Packet> sent = new ArrayList<>(connects(v));
        sent.addAll(Samples.fromClient(v));
        for (Packet p : sent) {
            byte[] wire = viaNettyEncoder(v, p);
            Packet got = p instanceof Packet.Connect ? Wire.decode(new MqttDecoder(0), wire).get(0)
                    : Wire.oneFromClient(v, wire);
            assertThat(got).as("%s in %s from %s", p, v, Wire.hex(wire)).usingRecursiveComparison().ignoringFieldsMatchingRegexes(WIRE_ORDER).isEqualTo(p);
        }
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void weDecodeNettyServerPackets(MqttVersion v) {
        for (Packet p : Samples.fromServer(v)) {
            byte[] wire = viaNettyEncoder(v, p);
            assertThat(Wire.oneFromServer(v, wire)).as("%s in %s from %s", p, v, Wire.hex(wire))
                    .usingRecursiveComparison().ignoringFieldsMatchingRegexes(WIRE_ORDER).isEqualTo(p);
        }
    }

    /** Netty's decoder insists on 1..23 character client identifiers for 3.1, as the 3.1 spec does. */
    private static List<Packet.Connect> connects(MqttVersion v) {
        List<Packet.Connect> l = new ArrayList<>();
        for (Packet.Connect c : Samples.connects(v)) {
            if (!(v == MqttVersion.MQTT_3_1 && c.clientId().isEmpty())) {
                l.add(c);
            }
        }
        return l;
    }

    private static Packet viaNettyDecoder(MqttVersion v, Packet p) {
        EmbeddedChannel ch = new EmbeddedChannel(new io.netty.handler.codec.mqtt.MqttDecoder(1_000_000));
        try {
            // Netty learns the version from a CONNECT, whichever side the packet is from.
            byte[] bytes = p instanceof Packet.Connect ? Wire.encode(p, v) : Wire.concat(Wire.connect(v), Wire.encode(p, v));
            ch.writeInbound(Unpooled.wrappedBuffer(bytes));
            List<MqttMessage> msgs = new ArrayList<>();
            Object o;
            while ((o = ch.readInbound()) != null) {
                msgs.add((MqttMessage) o);
            }
            MqttMessage m = msgs.get(msgs.size() - 1);
            assertThat(m.decoderResult().isSuccess()).as("Netty decodes %s: %s", p, m.decoderResult()).isTrue();
            Packet result = fromNetty(m, v);
            for (MqttMessage mm : msgs) {
                io.netty.util.ReferenceCountUtil.release(mm);
            }
            return result;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static byte[] viaNettyEncoder(MqttVersion v, Packet p) {
        EmbeddedChannel ch = new EmbeddedChannel(io.netty.handler.codec.mqtt.MqttEncoder.INSTANCE);
        try {
            if (!(p instanceof Packet.Connect)) {
                ch.writeOutbound(toNetty(Wire.decode(new MqttDecoder(0), Wire.connect(v)).get(0), v));
                drainBytes(ch);
            }
            ch.writeOutbound(toNetty(p, v));
            return drainBytes(ch);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static byte[] drainBytes(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        return ByteBufUtil.getBytes(all);
    }

    // ---- conversion ----

    private static io.netty.handler.codec.mqtt.MqttVersion nettyVersion(MqttVersion v) {
        return switch (v) {
            case MQTT_3_1 -> io.netty.handler.codec.mqtt.MqttVersion.MQTT_3_1;
            case MQTT_3_1_1 -> io.netty.handler.codec.mqtt.MqttVersion.MQTT_3_1_1;
            case MQTT_5 -> io.netty.handler.codec.mqtt.MqttVersion.MQTT_5;
        };
    }

    private static MqttFixedHeader header(MqttMessageType t, boolean dup, int qos, boolean retain) {
        return new MqttFixedHeader(t, dup, MqttQoS.valueOf(qos), retain, 0);
    }

    static MqttMessage toNetty(Packet p, MqttVersion v) {
        boolean v5 = v.isV5();
        if (p instanceof Packet.Connect c) {
            Packet.Will w = c.will();
            MqttConnectVariableHeader vh = new MqttConnectVariableHeader(c.version().protocolName(), c.version().level(),
                    c.username() != null, c.password() != null, w != null && w.retain(), w == null ? 0 : w.qos(),
                    w != null, c.cleanStart(), c.keepAlive(), props(c.properties()));
            MqttConnectPayload pl = new MqttConnectPayload(c.clientId(), w == null ? MqttProperties.NO_PROPERTIES
                    : props(w.properties()), w == null ? null : w.topic(), w == null ? null : w.payload(),
                    c.username(), c.password());
            return new MqttConnectMessage(header(MqttMessageType.CONNECT, false, 0, false), vh, pl);
        }
        if (p instanceof Packet.ConnAck c) {
            return MqttMessageFactory.newMessage(header(MqttMessageType.CONNACK, false, 0, false),
                    new MqttConnAckVariableHeader(MqttConnectReturnCode.valueOf((byte) c.reasonCode()),
                            c.sessionPresent(), props(c.properties())), null);
        }
        if (p instanceof Packet.Publish pub) {
            return MqttMessageFactory.newMessage(header(MqttMessageType.PUBLISH, pub.dup(), pub.qos(), pub.retain()),
                    new MqttPublishVariableHeader(pub.topic(), pub.packetId(), props(pub.properties())),
                    Unpooled.wrappedBuffer(pub.payload()));
        }
        if (p instanceof Packet.PubAck a) {
            return reply(MqttMessageType.PUBACK, 0, a.packetId(), a.reasonCode(), a.properties(), v5);
        }
        if (p instanceof Packet.PubRec a) {
            return reply(MqttMessageType.PUBREC, 0, a.packetId(), a.reasonCode(), a.properties(), v5);
        }
        if (p instanceof Packet.PubRel a) {
            return reply(MqttMessageType.PUBREL, 1, a.packetId(), a.reasonCode(), a.properties(), v5);
        }
        if (p instanceof Packet.PubComp a) {
            return reply(MqttMessageType.PUBCOMP, 0, a.packetId(), a.reasonCode(), a.properties(), v5);
        }
        if (p instanceof Packet.Subscribe s) {
            List<MqttTopicSubscription> subs = new ArrayList<>();
            for (Packet.Subscription sub : s.subscriptions()) {
                subs.add(new MqttTopicSubscription(sub.filter(), new MqttSubscriptionOption(MqttQoS.valueOf(sub.qos()),
                        sub.noLocal(), sub.retainAsPublished(),
                        MqttSubscriptionOption.RetainedHandlingPolicy.valueOf(sub.retainHandling()))));
            }
            return MqttMessageFactory.newMessage(header(MqttMessageType.SUBSCRIBE, false, 1, false),
                    new MqttMessageIdAndPropertiesVariableHeader(s.packetId(), props(s.properties())),
                    new MqttSubscribePayload(subs));
        }
        if (p instanceof Packet.SubAck s) {
            return MqttMessageFactory.newMessage(header(MqttMessageType.SUBACK, false, 0, false),
                    new MqttMessageIdAndPropertiesVariableHeader(s.packetId(), props(s.properties())),
                    new MqttSubAckPayload(s.reasonCodes()));
        }
        if (p instanceof Packet.Unsubscribe u) {
            return MqttMessageFactory.newMessage(header(MqttMessageType.UNSUBSCRIBE, false, 1, false),
                    new MqttMessageIdAndPropertiesVariableHeader(u.packetId(), props(u.properties())),
                    new MqttUnsubscribePayload(u.filters()));
        }
        if (p instanceof Packet.UnsubAck u) {
            List<Short> codes = new ArrayList<>();
            for (Integer c : u.reasonCodes()) {
                codes.add((short) (int) c);
            }
            return MqttMessageFactory.newMessage(header(MqttMessageType.UNSUBACK, false, 0, false),
                    new MqttMessageIdAndPropertiesVariableHeader(u.packetId(), props(u.properties())),
                    v5 ? new MqttUnsubAckPayload(codes) : null);
        }
        if (p instanceof Packet.PingReq) {
            return MqttMessage.PINGREQ;
        }
        if (p instanceof Packet.PingResp) {
            return MqttMessage.PINGRESP;
        }
        if (p instanceof Packet.Disconnect d) {
            return v5 ? MqttMessageFactory.newMessage(header(MqttMessageType.DISCONNECT, false, 0, false),
                    new MqttReasonCodeAndPropertiesVariableHeader((byte) d.reasonCode(), props(d.properties())), null)
                    : MqttMessage.DISCONNECT;
        }
        Packet.Auth a = (Packet.Auth) p;
        return MqttMessageFactory.newMessage(header(MqttMessageType.AUTH, false, 0, false),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) a.reasonCode(), props(a.properties())), null);
    }

    private static MqttMessage reply(MqttMessageType t, int qos, int id, int code, Properties props, boolean v5) {
        Object vh = v5 ? new MqttPubReplyMessageVariableHeader(id, (byte) code, props(props))
                : MqttMessageIdVariableHeader.from(id);
        return MqttMessageFactory.newMessage(header(t, false, qos, false), vh, null);
    }

    static MqttProperties props(Properties p) {
        MqttProperties out = new MqttProperties();
        for (PropertyId id : p.presentSingleValued()) {
            Object v = p.get(id);
            out.add(switch (id.wireType()) {
                case BYTE, TWO_BYTE, VARIABLE_INT -> new MqttProperties.IntegerProperty(id.id(), (Integer) v);
                case FOUR_BYTE -> new MqttProperties.IntegerProperty(id.id(), (int) (long) (Long) v);
                case UTF8 -> new MqttProperties.StringProperty(id.id(), (String) v);
                case BINARY -> new MqttProperties.BinaryProperty(id.id(), (byte[]) v);
                case UTF8_PAIR -> throw new IllegalStateException();
            });
        }
        for (Integer sid : p.subscriptionIdentifiers()) {
            out.add(new MqttProperties.IntegerProperty(PropertyId.SUBSCRIPTION_IDENTIFIER.id(), sid));
        }
        for (UserProperty u : p.userProperties()) {
            out.add(new MqttProperties.UserProperty(u.name(), u.value()));
        }
        return out;
    }

    static Properties fromNetty(MqttProperties np) {
        if (np == null) {
            return Properties.EMPTY;
        }
        Properties.Builder b = Properties.builder();
        for (MqttProperties.MqttProperty<?> mp : np.listAll()) {
            PropertyId id = PropertyId.of(mp.propertyId());
            Object v = mp.value();
            switch (id) {
                case USER_PROPERTY -> {
                    if (mp instanceof MqttProperties.UserProperties ups) {
                        for (MqttProperties.StringPair sp : ups.value()) {
                            b.userProperty(sp.key, sp.value);
                        }
                    } else {
                        MqttProperties.StringPair sp = (MqttProperties.StringPair) v;
                        b.userProperty(sp.key, sp.value);
                    }
                }
                case SUBSCRIPTION_IDENTIFIER -> b.subscriptionIdentifier((Integer) v);
                default -> b.put(id, id.wireType() == PropertyId.Type.FOUR_BYTE
                        ? Integer.toUnsignedLong((Integer) v) : v);
            }
        }
        return b.build();
    }

    static Packet fromNetty(MqttMessage m, MqttVersion v) {
        MqttFixedHeader fh = m.fixedHeader();
        Object vh = m.variableHeader();
        switch (fh.messageType()) {
            case CONNECT -> {
                MqttConnectVariableHeader c = (MqttConnectVariableHeader) vh;
                MqttConnectPayload pl = (MqttConnectPayload) m.payload();
                MqttVersion cv = MqttVersion.of(c.name(), c.version());
                Packet.Will will = c.isWillFlag() ? new Packet.Will(pl.willTopic(), pl.willMessageInBytes(), c.willQos(),
                        c.isWillRetain(), fromNetty(pl.willProperties())) : null;
                return new Packet.Connect(cv, pl.clientIdentifier(), c.isCleanSession(), c.keepAliveTimeSeconds(),
                        pl.userName(), pl.passwordInBytes(), will, fromNetty(c.properties()));
            }
            case CONNACK -> {
                MqttConnAckVariableHeader c = (MqttConnAckVariableHeader) vh;
                return new Packet.ConnAck(c.isSessionPresent(), c.connectReturnCode().byteValue() & 0xFF,
                        fromNetty(c.properties()));
            }
            case PUBLISH -> {
                MqttPublishVariableHeader pv = (MqttPublishVariableHeader) vh;
                ByteBuf payload = (ByteBuf) m.payload();
                return new Packet.Publish(pv.topicName(), fh.qosLevel().value(), fh.isRetain(), fh.isDup(),
                        Math.max(0, pv.packetId()), ByteBufUtil.getBytes(payload), fromNetty(pv.properties())); // Netty: -1 for QoS 0
            }
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> {
                int id;
                int code = 0;
                Properties props = Properties.EMPTY;
                if (vh instanceof MqttPubReplyMessageVariableHeader r) {
                    id = r.messageId();
                    code = r.reasonCode() & 0xFF;
                    props = fromNetty(r.properties());
                } else {
                    id = ((MqttMessageIdVariableHeader) vh).messageId();
                }
                return switch (fh.messageType()) {
                    case PUBACK -> new Packet.PubAck(id, code, props);
                    case PUBREC -> new Packet.PubRec(id, code, props);
                    case PUBREL -> new Packet.PubRel(id, code, props);
                    default -> new Packet.PubComp(id, code, props);
                };
            }
            case SUBSCRIBE -> {
                List<Packet.Subscription> subs = new ArrayList<>();
                for (MqttTopicSubscription s : ((MqttSubscribePayload) m.payload()).topicSubscriptions()) {
                    MqttSubscriptionOption o = s.option();
                    subs.add(new Packet.Subscription(s.topicFilter(), o.qos().value(), o.isNoLocal(),
                            o.isRetainAsPublished(), o.retainHandling().value()));
                }
                return new Packet.Subscribe(id(vh), subs, idProps(vh));
            }
            case SUBACK -> {
                return new Packet.SubAck(id(vh), ((MqttSubAckPayload) m.payload()).reasonCodes(), idProps(vh));
            }
            case UNSUBSCRIBE -> {
                return new Packet.Unsubscribe(id(vh), ((MqttUnsubscribePayload) m.payload()).topics(), idProps(vh));
            }
            case UNSUBACK -> {
                List<Integer> codes = new ArrayList<>();
                if (v.isV5() && m.payload() != null) {
                    for (Short s : ((MqttUnsubAckPayload) m.payload()).unsubscribeReasonCodes()) {
                        codes.add(s & 0xFF);
                    }
                }
                return new Packet.UnsubAck(id(vh), codes, idProps(vh));
            }
            case PINGREQ -> {
                return Packet.PingReq.INSTANCE;
            }
            case PINGRESP -> {
                return Packet.PingResp.INSTANCE;
            }
            case DISCONNECT -> {
                if (vh instanceof MqttReasonCodeAndPropertiesVariableHeader r) {
                    Properties props = fromNetty(r.properties());
                    int code = r.reasonCode() & 0xFF;
                    return code == 0 && props.isEmpty() ? Packet.Disconnect.NORMAL : new Packet.Disconnect(code, props);
                }
                return Packet.Disconnect.NORMAL;
            }
            case AUTH -> {
                MqttReasonCodeAndPropertiesVariableHeader r = (MqttReasonCodeAndPropertiesVariableHeader) vh;
                return new Packet.Auth(r.reasonCode() & 0xFF, fromNetty(r.properties()));
            }
            default -> throw new IllegalStateException("unexpected " + fh.messageType());
        }
    }

    private static int id(Object vh) {
        return ((MqttMessageIdVariableHeader) vh).messageId();
    }

    private static Properties idProps(Object vh) {
        return vh instanceof MqttMessageIdAndPropertiesVariableHeader p ? fromNetty(p.properties()) : Properties.EMPTY;
    }
}
