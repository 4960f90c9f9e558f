package io.tern.client;

import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The alias table alone: limit, reuse, LRU replacement, reset per connection. */
class OutgoingTopicAliasesTest {

    private static Packet.Publish publish(String topic) {
        return new Packet.Publish(topic, 1, false, false, 7, new byte[] {1}, Properties.builder()
                .put(PropertyId.CONTENT_TYPE, "text/plain").build());
    }

    /** "topic#alias" for a first use, "#alias" for an alias-only publish, the topic when no alias. */
    private static String wire(Packet.Publish p) {
        Integer alias = (Integer) p.properties().get(PropertyId.TOPIC_ALIAS);
        return alias == null ? p.topic() : p.topic() + "#" + alias;
    }

    private static List<String> send(OutgoingTopicAliases t, String... topics) {
        List<String> out = new ArrayList<>();
        for (String topic : topics) {
            out.add(wire(t.apply(publish(topic))));
        }
        return out;
    }

    @Test
    void aTopicGetsItsAliasWithTheTopicOnceAndAloneAfterwards() {
        OutgoingTopicAliases t = new OutgoingTopicAliases(100);
        t.connected(10);
        assertThat(send(t, "a", "a", "b", "a", "b")).containsExactly("a#1", "#1", "b#2", "#1", "#2");
        Packet.Publish p = t.apply(publish("a"));
        assertThat(p.properties().stringValue(PropertyId.CONTENT_TYPE)).as("other properties kept")
                .isEqualTo("text/plain");
        assertThat(p.packetId()).isEqualTo(7);
        assertThat(p.qos()).isEqualTo(1);
        assertThat(p.payload()).containsExactly(1);
    }

    @Test
    void neverMoreThanTheServersMaximumNorTheClientsLimit() {
        // [MQTT-3.3.2-9]: no alias above the CONNACK's Topic Alias Maximum
        OutgoingTopicAliases t = new OutgoingTopicAliases(100);
        t.connected(2);
        List<String> wire = send(t, "a", "b", "c", "d", "e", "a", "f");
        assertThat(t.size()).isEqualTo(2);
        for (String w : wire) {
            assertThat(Integer.parseInt(w.substring(w.indexOf('#') + 1))).isBetween(1, 2);
        }
        OutgoingTopicAliases small = new OutgoingTopicAliases(1);
        small.connected(65535);
        assertThat(small.maximum()).isEqualTo(1);
        assertThat(send(small, "a", "b", "b")).containsExactly("a#1", "b#1", "#1");
    }

    @Test
    void theLeastRecentlyUsedAliasGoesToANewTopic() {
        OutgoingTopicAliases t = new OutgoingTopicAliases(100);
        t.connected(2);
        // a=1, b=2; a used again, so b is the least recently used and c takes its alias
        assertThat(send(t, "a", "b", "a", "c", "a", "c", "b"))
                .containsExactly("a#1", "b#2", "#1", "c#2", "#1", "#2", "b#1");
    }

    @Test
    void aNewConnectionForgetsEveryMapping() {
        // [MQTT-3.3.2-7]: mappings do not carry over to another network connection
        OutgoingTopicAliases t = new OutgoingTopicAliases(100);
        t.connected(5);
        send(t, "a", "b");
        t.connected(5);
        assertThat(t.size()).isZero();
        assertThat(send(t, "b", "a", "b")).containsExactly("b#1", "a#2", "#1");
        t.connected(0);
        assertThat(send(t, "a", "b")).as("the new server allows none").containsExactly("a", "b");
    }

    @Test
    void offByDefaultAndWithoutAServerMaximum() {
        OutgoingTopicAliases off = new OutgoingTopicAliases(0);
        off.connected(10);
        assertThat(send(off, "a", "a")).containsExactly("a", "a");
        OutgoingTopicAliases before = new OutgoingTopicAliases(10);
        assertThat(send(before, "a", "a")).as("no CONNACK yet").containsExactly("a", "a");
        assertThatThrownBy(() -> new OutgoingTopicAliases(65536)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anAliasTheApplicationSetIsReplacedWhenTheClientAssignsThem() {
        OutgoingTopicAliases t = new OutgoingTopicAliases(10);
        t.connected(10);
        Packet.Publish own = new Packet.Publish("x", 0, false, false, 0, new byte[0],
                Properties.builder().put(PropertyId.TOPIC_ALIAS, 9).build());
        assertThat(wire(t.apply(own))).isEqualTo("x#1");
    }
}
