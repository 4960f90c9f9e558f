package io.tern.broker;

import io.tern.codec.MalformedPacketException;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.Topics;

import java.util.ArrayList;
import java.util.List;

/**
 * The SUBSCRIBEs and UNSUBSCRIBEs one client sends: the authoriser's answer per filter, the session's and the
 * broker's subscriptions, SUBACK / UNSUBACK, and the retained messages that follow a SUBACK. One per connection,
 * made by {@link ProtocolHandler} and confined to the connection's event loop as it is.
 */
final class SubscriptionRequests {

    private final Broker broker;
    private final Connection conn;
    private final ProtocolHandler h;

    SubscriptionRequests(Broker broker, Connection conn, ProtocolHandler h) {
        this.broker = broker;
        this.conn = conn;
        this.h = h;
    }

    void onSubscribe(Packet.Subscribe s) {
        Settings cfg = broker.settings();
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received SUBSCRIBE from {}", h.clientId());
        }
        int subId = s.properties().subscriptionIdentifiers().isEmpty() ? 0
                : s.properties().subscriptionIdentifiers().get(0);
        List<Integer> codes = new ArrayList<>(s.subscriptions().size());
        List<Subscriber> added = new ArrayList<>(s.subscriptions().size());
        List<Boolean> existed = new ArrayList<>(s.subscriptions().size());
        for (Packet.Subscription sub : s.subscriptions()) {
            if (TopicRules.tooDeep(sub.filter())) {
                h.onMalformed(new MalformedPacketException(MalformedPacketException.MALFORMED,
                        "topic filter with more than " + TopicRules.MAX_TOPIC_LEVELS + " levels").packetType(s.type()));
                return;
            }
        }
        for (Packet.Subscription sub : s.subscriptions()) {
            String full = TopicRules.mounted(conn.listener(), sub.filter());
            if (Log.DEBUG.isDebugEnabled()) {
                Log.DEBUG.debug("\t{} (QoS {})", full, sub.qos());
            }
            boolean shared = Topics.isShared(full);
            String filter = shared ? Topics.sharedTopicFilter(full) : full;
            // an acl_file grants any filter (Mosquitto 2.0) and read access is checked per message; a plugin may
            // refuse the SUBSCRIBE; deny_unreadable_subscriptions refuses a filter the ACL never lets this client read
            if (!h.sec().authorizer().canSubscribe(h.clientId(), h.username(), filter)
                    || (broker.config().strict().denyUnreadableSubscriptions()
                        && !h.sec().authorizer().canReadSome(h.clientId(), h.username(), filter))) {
                codes.add(h.version().isV5() ? 0x87 : 0x80);
                continue;
            }
            int granted = Math.min(sub.qos(), conn.listener().maxQos());
            // Mosquitto's bridges (3.1 / 3.1.1 with the bridge bit) get No Local and Retain As Published
            boolean bridged = !h.version().isV5() && conn.bridge();
            Subscriber entry = new Subscriber(h.session(), filter, granted, sub.noLocal() || bridged,
                    sub.retainAsPublished() || bridged, sub.retainHandling(), subId);
            Subscriber old = broker.subscribe(full, entry);
            h.session().putSubscription(full, entry);
            codes.add(granted);
            if (!shared) {
                // retained messages are not sent to a shared subscription (MQTT 5 section 4.8.2)
                added.add(entry);
                existed.add(old != null);
            }
            if (Log.SUBSCRIBE.isInfoEnabled()) {
                Log.SUBSCRIBE.info("{} {} {}", h.clientId(), granted, full);
            }
        }
        if (h.session().durable()) {
            broker.durability().saveSession(h.session(), true);
        }
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Sending SUBACK to {}", h.clientId());
        }
        conn.send(new Packet.SubAck(s.packetId(), codes, Properties.EMPTY));
        // retained messages follow the SUBACK [MQTT-3.3.1-6]
        for (int i = 0; i < added.size(); i++) {
            Subscriber entry = added.get(i);
            if (entry.retainHandling() == 2 || (entry.retainHandling() == 1 && existed.get(i))) {
                continue;
            }
            for (Message m : broker.retained().match(entry.filter())) {
                if (!h.sec().authorizer().canRead(h.clientId(), h.username(), m.topic())) {
                    continue;
                }
                if (broker.config().checkRetainSource() && !broker.retainSources().mayDeliver(broker, m)) {
                    continue;
                }
                int qos = cfg.upgradeOutgoingQos() ? entry.qos() : Math.min(m.qos(), entry.qos());
                broker.router().hand(h.session(), new Delivery(m, qos, true, subId == 0 ? null : new int[] {subId}));
            }
        }
    }

    void onUnsubscribe(Packet.Unsubscribe u) {
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received UNSUBSCRIBE from {}", h.clientId());
        }
        List<Integer> codes = h.version().isV5() ? new ArrayList<>(u.filters().size()) : List.of();
        for (String filter : u.filters()) {
            if (TopicRules.tooDeep(filter)) {
                h.onMalformed(new MalformedPacketException(MalformedPacketException.MALFORMED,
                        "topic filter with more than " + TopicRules.MAX_TOPIC_LEVELS + " levels").packetType(u.type()));
                return;
            }
        }
        for (String given : u.filters()) {
            String filter = TopicRules.mounted(conn.listener(), given);
            if (!h.sec().authorizer().canUnsubscribe(h.clientId(), h.username(), filter)) {
                if (h.version().isV5()) {
                    codes.add(0x87);
                }
                continue;
            }
            boolean had = h.session().removeSubscription(filter) != null;
            if (had) {
                broker.unsubscribe(h.session(), filter);
            }
            if (Log.UNSUBSCRIBE.isInfoEnabled()) {
                Log.UNSUBSCRIBE.info("{} {}", h.clientId(), filter);
            }
            if (h.version().isV5()) {
                codes.add(had ? 0 : 0x11);
            }
        }
        if (h.session().durable()) {
            broker.durability().saveSession(h.session(), true);
        }
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Sending UNSUBACK to {}", h.clientId());
        }
        conn.send(new Packet.UnsubAck(u.packetId(), codes, Properties.EMPTY));
    }
}
