package io.tern.broker;

import io.netty.util.concurrent.EventExecutor;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

/**
 * The PUBLISHes one client sends and their acknowledgements: topic aliases, the QoS 0/1/2 flows and PUBREL,
 * the refusal of what the store cannot write (disk full), {@code $CONTROL} topics, and PUBACK/PUBREC in the
 * order the PUBLISHes came. One per connection, made by {@link ProtocolHandler} and confined to the
 * connection's event loop as it is.
 */
final class InboundPublish {

    private final Broker broker;
    private final Connection conn;
    private final ProtocolHandler h;
    /** Topic aliases the client set up (MQTT 5), index = alias. */
    private String[] inboundAliases;

    InboundPublish(Broker broker, Connection conn, ProtocolHandler h) {
        this.broker = broker;
        this.conn = conn;
        this.h = h;
    }

    /** The client may set up topic aliases 1..{@code max} (the CONNACK's Topic Alias Maximum). */
    void allowTopicAliases(int max) {
        inboundAliases = new String[max + 1];
    }

    void onPublish(Packet.Publish p) {
        Settings cfg = broker.settings();
        String topic = p.topic();
        Properties props = p.properties();
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received PUBLISH from {} (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))", h.clientId(),
                    p.dup() ? 1 : 0, p.qos(), p.retain() ? 1 : 0, p.packetId(), topic, p.payload().length);
        }
        broker.stats().messageReceived(p.payload().length);
        if (h.version().isV5()) {
            int alias = props.intValue(PropertyId.TOPIC_ALIAS, 0);
            if (alias != 0) {
                if (inboundAliases == null || alias >= inboundAliases.length) {
                    h.disconnect(0x94, "topic alias " + alias + " exceeds the maximum");
                    return;
                }
                if (topic.isEmpty()) {
                    topic = inboundAliases[alias];
                    if (topic == null) {
                        h.protocolError("unknown topic alias " + alias);
                        return;
                    }
                } else {
                    inboundAliases[alias] = topic;
                }
            }
            if (props.has(PropertyId.TOPIC_ALIAS) || props.has(PropertyId.SUBSCRIPTION_IDENTIFIER)) {
                props = props.toBuilder().remove(PropertyId.TOPIC_ALIAS).remove(PropertyId.SUBSCRIPTION_IDENTIFIER)
                        .build();
            }
        }
        if (TopicRules.tooDeep(topic)) {
            h.protocolError("topic with more than " + TopicRules.MAX_TOPIC_LEVELS + " levels");
            return;
        }
        topic = TopicRules.mounted(conn.listener(), topic);
        io.tern.broker.extension.MessageObserver observer = broker.observer();
        if (observer != null) {
            observer.received(h.clientId(), topic, p.qos(), p.payload().length);
        }
        if (p.qos() > conn.listener().maxQos()) {
            if (h.version().isV5()) {
                h.disconnect(0x9B, "QoS " + p.qos() + " not supported");
            } else {
                h.protocolError("QoS " + p.qos() + " above max_qos");
            }
            return;
        }
        if (p.retain() && !cfg.retainAvailable()) {
            if (h.version().isV5()) {
                h.disconnect(0x9A, "retain not supported");
            } else {
                h.protocolError("retained PUBLISH while retain_available is false");
            }
            return;
        }
        boolean accept = true;
        int rc = 0;
        int format = broker.config().strict().checkPayloadFormat() ? PayloadFormat.check(props, p.payload()) : 0;
        if (format == PayloadFormat.BAD_INDICATOR || format != 0 && p.qos() == 0) {
            // a QoS 0 PUBLISH has no acknowledgement to refuse it with: DISCONNECT 0x99 (MQTT 5 3.3.2.3.2)
            if (format == PayloadFormat.BAD_INDICATOR) {
                h.protocolError("PUBLISH properties: " + PayloadFormat.reason(format, props));
            } else {
                h.disconnect(format, PayloadFormat.reason(format, props));
            }
            return;
        }
        int limit = cfg.messageSizeLimit();
        if (limit > 0 && p.payload().length > limit) {
            accept = false;
            rc = 0x97;
            Log.NOTICE.info("Dropping too large PUBLISH from {} ({} bytes > message_size_limit {}).", h.clientId(),
                    p.payload().length, limit);
        } else if (format != 0) {
            accept = false;
            rc = format;
            Log.NOTICE.info("Refusing PUBLISH from {}: {}.", h.clientId(), PayloadFormat.reason(format, props));
        } else if (TopicRules.dollarDenied(topic)
                || !h.sec().authorizer().canPublish(h.clientId(), h.username(), topic)) {
            accept = false;
            rc = 0x87;
            if (observer != null) {
                observer.publishDenied(h.clientId(), h.username(), topic, p.qos());
            }
            if (Log.DEBUG.isDebugEnabled()) {
                Log.DEBUG.debug("Denied PUBLISH from {} (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))", h.clientId(),
                        p.dup() ? 1 : 0, p.qos(), p.retain() ? 1 : 0, p.packetId(), topic, p.payload().length);
            }
        }
        if (!h.version().isV5()) {
            rc = 0; // 3.1.1 has no way to say no: acknowledge and drop, as Mosquitto does
        } else if (accept) {
            rc = 0;
        }
        switch (p.qos()) {
            case 0 -> {
                if (accept) {
                    route(topic, p, props);
                }
            }
            case 1 -> {
                if (accept) {
                    Boolean matched = routedDurably(topic, p, props);
                    if (matched == null) {
                        return;
                    }
                    if (!matched && h.version().isV5()) {
                        rc = 0x10; // No matching subscribers, as Mosquitto says for QoS 1 (MQTT 5 3.4.2.1)
                    }
                }
                if (Log.DEBUG.isDebugEnabled()) {
                    Log.DEBUG.debug("Sending PUBACK to {} (m{}, rc{})", h.clientId(), p.packetId(), rc);
                }
                acknowledge(new Packet.PubAck(p.packetId(), rc, Properties.EMPTY));
            }
            default -> {
                // exactly once: a repeated packet id before PUBREL is the same message [MQTT-4.3.3-10]
                boolean fresh = !h.session().awaitingRelease(p.packetId());
                // with persistence (or a cluster) the message is stored (or forwarded) before PUBREC; without,
                // PUBREC goes first, so the publisher hears PUBREC before any copy of its message, as from Mosquitto
                boolean routeFirst = broker.durability() != null || broker.clusterRouting() != null;
                if (fresh) {
                    int max = cfg.maxInflightMessages() > 0 ? cfg.maxInflightMessages() : 65535;
                    if (h.version().isV5() && h.session().awaitingReleaseCount() >= max) {
                        h.disconnect(0x93, "receive maximum exceeded");
                        return;
                    }
                    if (accept && routeFirst && routedDurably(topic, p, props) == null) {
                        return; // the store refused it: not acknowledged, not marked as received
                    }
                    if (!h.version().isV5() || rc < 0x80) {
                        h.session().awaitRelease(p.packetId());
                        if (h.session().durable()) {
                            broker.durability().store().addInboundQos2(h.clientId(), p.packetId());
                        }
                    }
                }
                if (Log.DEBUG.isDebugEnabled()) {
                    Log.DEBUG.debug("Sending PUBREC to {} (m{}, rc{})", h.clientId(), p.packetId(), rc);
                }
                acknowledge(new Packet.PubRec(p.packetId(), rc, Properties.EMPTY));
                if (fresh && accept && !routeFirst) {
                    route(topic, p, props);
                }
            }
        }
    }

    /**
     * Sends PUBACK/PUBREC once what the PUBLISH wrote is durable. With persistence on every acknowledgement
     * goes through the store's sync queue, which keeps them in the order the PUBLISHes came [MQTT-4.6.0-2].
     */
    private void acknowledge(Packet ack) {
        io.tern.broker.extension.ClusterRouting cluster = broker.clusterRouting();
        java.util.concurrent.CompletionStage<Void> forwarded = cluster == null ? null : cluster.forwarded();
        if (forwarded != null || (ackChain != null && !ackChain.isDone())) {
            // in a cluster: after the other nodes have the message, and still in PUBLISH order [MQTT-4.6.0-2]
            java.util.concurrent.CompletableFuture<Void> before = ackChain != null ? ackChain
                    : java.util.concurrent.CompletableFuture.completedFuture(null);
            java.util.concurrent.CompletableFuture<Void> sent = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Void> gate = forwarded != null ? forwarded.toCompletableFuture()
                    : java.util.concurrent.CompletableFuture.completedFuture(null);
            EventExecutor loop = conn.executor();
            before.runAfterBoth(gate, () -> { }).whenComplete((v, e) -> loop.execute(() -> {
                acknowledgeNow(ack);
                sent.complete(null);
            }));
            ackChain = sent;
            return;
        }
        acknowledgeNow(ack);
    }

    /** Acknowledgements waiting for the cluster, in order; null when none ever did. */
    private java.util.concurrent.CompletableFuture<Void> ackChain;

    private void acknowledgeNow(Packet ack) {
        Durability dur = broker.durability();
        if (dur == null) {
            conn.send(ack);
            return;
        }
        EventExecutor loop = conn.executor();
        dur.store().sync(() -> loop.execute(() -> conn.send(ack)));
    }

    /**
     * Routes a QoS 1/2 PUBLISH: whether a subscription matched, or null when the store could not write it
     * (disk full). It is then not
     * acknowledged: MQTT 5 clients get PUBACK/PUBREC 0x97 (Quota exceeded) and may retry later, 3.1.1 clients,
     * which have no way to hear it, lose the connection and resend after reconnecting.
     */
    private Boolean routedDurably(String topic, Packet.Publish p, Properties props) {
        try {
            return route(topic, p, props);
        } catch (io.tern.broker.store.StoreWriteException e) {
            Log.ERROR.error("Not acknowledging PUBLISH from {} (m{}): {}", h.clientId(), p.packetId(), e.getMessage());
            if (h.version().isV5()) {
                conn.send(p.qos() == 1 ? new Packet.PubAck(p.packetId(), 0x97, Properties.EMPTY)
                        : new Packet.PubRec(p.packetId(), 0x97, Properties.EMPTY));
            } else {
                h.disconnect(0x97, "the store cannot write");
            }
            return null;
        }
    }

    /** Publishes what a client sent; false when no subscription matched it. */
    private boolean route(String topic, Packet.Publish p, Properties props) {
        if (topic.startsWith("$CONTROL/")) {
            // Mosquitto's control topics go to their plugin, never to subscribers
            broker.control(conn.listener(), topic, h.clientId(), h.username(), p.payload());
            return true;
        }
        long now = System.nanoTime();
        long expiry = Long.MAX_VALUE;
        if (props.has(PropertyId.MESSAGE_EXPIRY_INTERVAL)) {
            expiry = now + props.longValue(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0) * 1_000_000_000L;
        }
        Message msg = new Message(topic, p.payload(), p.qos(), p.retain(), props, h.clientId(), now, expiry);
        if (p.retain() && broker.config().checkRetainSource()) {
            broker.retainSources().published(msg, h.clientId(), h.username(), conn.listener());
        }
        broker.publish(msg, h.session());
        if (broker.router().lastPublishRouted() > 0) {
            return true;
        }
        // in a cluster, subscribers on other nodes count too (the route table)
        io.tern.broker.extension.ClusterRouting cluster = broker.clusterRouting();
        return cluster != null && cluster.matchedElsewhere();
    }

    void onPubRel(Packet.PubRel r) {
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received PUBREL from {} (Mid: {})", h.clientId(), r.packetId());
        }
        boolean known = h.session().released(r.packetId());
        if (known && h.session().durable()) {
            broker.durability().store().removeInboundQos2(h.clientId(), r.packetId());
        }
        // an unknown id is a PUBREL repeated after a reconnect: Mosquitto completes it with success (0x92
        // "Packet Identifier not found" would be allowed too, MQTT 5 3.7.2.1)
        int rc = 0;
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Sending PUBCOMP to {} (m{})", h.clientId(), r.packetId());
        }
        conn.send(new Packet.PubComp(r.packetId(), rc, Properties.EMPTY));
    }
}
