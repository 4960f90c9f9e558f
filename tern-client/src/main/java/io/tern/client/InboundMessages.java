package io.tern.client;

import io.netty.channel.EventLoop;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Messages from the broker: topic aliases resolved, QoS 1/2 acknowledged (at once, or when the application calls
 * {@link MqttClient#acknowledge} with manual acknowledgement), a QoS 2 message handed on once until its PUBREL
 * [MQTT-4.3.3-3], and routed to the handlers of the matching subscriptions. On the client's event loop.
 */
final class InboundMessages {

    private static final System.Logger LOG = System.getLogger("io.tern.client");

    /** What the inbound side needs of the connection. */
    interface Link {
        void send(Packet p);

        /** Closes the connection for a protocol error. */
        void protocolError(String reason);

        /** Whether acknowledgements can go out now (connected, CONNACK received). */
        boolean connectedNow();
    }

    private final ClientConfig cfg;
    private final boolean v5;
    private final EventLoop loop;
    private final Link link;
    private final Set<Integer> inboundQos2;
    /** Received QoS 1/2 packet ids whose acknowledgement waits for the application (manual acknowledgement). */
    private final Set<Integer> ackPending;
    private final LinkedHashMap<String, HeldSubscription> subscriptions;
    private final Map<Integer, String> aliases = new HashMap<>();

    InboundMessages(ClientConfig cfg, EventLoop loop, Link link, SessionState state,
                    LinkedHashMap<String, HeldSubscription> subscriptions) {
        this.cfg = cfg;
        this.v5 = cfg.version() == io.tern.codec.MqttVersion.MQTT_5;
        this.loop = loop;
        this.link = link;
        this.inboundQos2 = state.inboundQos2;
        this.ackPending = state.ackPending;
        this.subscriptions = subscriptions;
    }

    /** A new connection: the broker's topic aliases start afresh [MQTT-3.3.2-7]. */
    void connected() {
        aliases.clear();
    }

    /** The connection is gone: unless the session is shared, the broker sends the unacknowledged ones again. */
    void disconnected(boolean sharedState) {
        if (!sharedState) {
            ackPending.clear();
        }
    }

    void onPubRel(int packetId) {
        inboundQos2.remove(packetId);
    }

    void onPublish(Packet.Publish p) {
        String topic = p.topic();
        Integer alias = v5 ? (Integer) p.properties().get(PropertyId.TOPIC_ALIAS) : null;
        if (alias != null) {
            if (topic.isEmpty()) {
                topic = aliases.get(alias);
                if (topic == null) {
                    link.protocolError("protocol error: unknown topic alias " + alias);
                    return;
                }
            } else {
                aliases.put(alias, topic);
            }
        }
        MqttMessage m = new MqttMessage(topic, p.payload(), p.qos(), p.retain(), p.dup(), p.packetId(),
                p.properties());
        if (cfg.manualAcks() && p.qos() > 0) {
            if (p.qos() == 1 || inboundQos2.add(p.packetId())) {
                ackPending.add(p.packetId());
                deliver(m);
            } else if (!ackPending.contains(p.packetId())) {
                link.send(new Packet.PubRec(p.packetId(), 0, Properties.EMPTY)); // a resend of one we acknowledged
            }
            return;
        }
        switch (p.qos()) {
            case 0 -> deliver(m);
            case 1 -> {
                deliver(m);
                link.send(new Packet.PubAck(p.packetId(), 0, Properties.EMPTY));
            }
            default -> {
                // Delivered on PUBLISH, remembered until PUBREL so a DUP resend is not delivered twice.
                if (inboundQos2.add(p.packetId())) {
                    deliver(m);
                }
                link.send(new Packet.PubRec(p.packetId(), 0, Properties.EMPTY));
            }
        }
    }

    void acknowledge(MqttMessage m) {
        if (m.qos() == 0) {
            return;
        }
        Runnable ack = () -> {
            // between connections of a shared session the id is let go: the broker's resend gets its answer at once
            if (ackPending.remove(m.packetId()) && link.connectedNow()) {
                link.send(m.qos() == 1 ? new Packet.PubAck(m.packetId(), 0, Properties.EMPTY)
                        : new Packet.PubRec(m.packetId(), 0, Properties.EMPTY));
            }
        };
        if (loop.inEventLoop()) {
            ack.run();
        } else {
            loop.execute(ack);
        }
    }

    private void deliver(MqttMessage m) {
        Set<MessageHandler> handlers = new LinkedHashSet<>();
        boolean matched = false;
        for (HeldSubscription e : subscriptions.values()) {
            if (TopicFilter.matches(e.subscription.filter(), m.topic())) {
                matched = true;
                handlers.add(e.handler != null ? e.handler : cfg.defaultHandler());
            }
        }
        if (!matched) {
            handlers.add(cfg.defaultHandler());
        }
        for (MessageHandler h : handlers) {
            if (h == null) {
                continue;
            }
            try {
                h.onMessage(m);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "message handler failed on topic " + m.topic(), e);
            }
        }
    }
}
