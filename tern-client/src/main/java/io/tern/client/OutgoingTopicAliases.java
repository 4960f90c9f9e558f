package io.tern.client;

import io.tern.codec.Packet;
import io.tern.codec.PropertyId;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MQTT 5 topic aliases this client assigns to the topics it publishes, for one network connection.
 *
 * <p>The first PUBLISH of a topic carries the topic and a new alias, later ones an empty topic and the alias. At
 * most {@code min(limit, the server's Topic Alias Maximum)} aliases are in use [MQTT-3.3.2-9]; when all are taken
 * the least recently used one is given to the new topic (sent again with its topic, which replaces the server's
 * mapping). Every CONNACK starts an empty table: mappings do not outlive the connection [MQTT-3.3.2-7], so a
 * message resent after a reconnect carries its full topic.
 *
 * <p>Paho's Java v5 client assigns the first N distinct topics and never replaces one; HiveMQ's client replaces
 * by a decaying use count. LRU replacement is the simple replacing policy: a bridge's busy topics keep their
 * aliases even when rarely used topics came first. Touched only on the client's event loop.
 */
final class OutgoingTopicAliases {

    private final int limit;
    private int maximum;
    /** Topic to alias, in access order: the eldest entry is the least recently used. */
    private final LinkedHashMap<String, Integer> aliases = new LinkedHashMap<>(16, 0.75f, true);

    /** @param limit the most aliases the client will use on a connection (the builder's option); 0 turns them off */
    OutgoingTopicAliases(int limit) {
        if (limit < 0 || limit > 65535) {
            throw new IllegalArgumentException("topic alias maximum must be 0..65535, not " + limit);
        }
        this.limit = limit;
    }

    /** A new connection was accepted; {@code serverMaximum} is its CONNACK's Topic Alias Maximum (0 when absent). */
    void connected(int serverMaximum) {
        aliases.clear();
        maximum = Math.min(limit, Math.max(0, serverMaximum));
    }

    /** Aliases in use on this connection (at most {@link #maximum()}). */
    int size() {
        return aliases.size();
    }

    /** How many aliases this connection may use: 0 when off or when the server allows none. */
    int maximum() {
        return maximum;
    }

    /**
     * The PUBLISH to send for {@code p}: with an alias when the connection has them, unchanged otherwise (also a
     * Topic Alias the application set itself when automatic aliases are off).
     */
    Packet.Publish apply(Packet.Publish p) {
        if (maximum == 0 || p.topic().isEmpty()) {
            return p; // an alias-only publish when off: the application's own (MqttClient refuses it when on)
        }
        Integer alias = aliases.get(p.topic()); // also marks it most recently used
        String topic = "";
        if (alias == null) {
            topic = p.topic();
            if (aliases.size() < maximum) {
                alias = aliases.size() + 1;
            } else {
                Iterator<Map.Entry<String, Integer>> eldest = aliases.entrySet().iterator();
                alias = eldest.next().getValue();
                eldest.remove();
            }
            aliases.put(topic, alias);
        }
        return new Packet.Publish(topic, p.qos(), p.retain(), p.dup(), p.packetId(), p.payload(),
                p.properties().toBuilder().put(PropertyId.TOPIC_ALIAS, alias).build());
    }
}
