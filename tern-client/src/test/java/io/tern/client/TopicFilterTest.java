package io.tern.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TopicFilterTest {

    @Test
    void wildcardsMatchAsTheSpecSays() {
        assertThat(TopicFilter.matches("a/+/c", "a/b/c")).isTrue();
        assertThat(TopicFilter.matches("a/+/c", "a/b/d")).isFalse();
        assertThat(TopicFilter.matches("a/#", "a")).as("[MQTT-4.7.1-2] # includes the parent").isTrue();
        assertThat(TopicFilter.matches("a/#", "a/b/c")).isTrue();
        assertThat(TopicFilter.matches("+", "a/b")).isFalse();
        assertThat(TopicFilter.matches("+/+", "/b")).isTrue();
        assertThat(TopicFilter.matches("#", "$SYS/x")).as("[MQTT-4.7.2-1]").isFalse();
        assertThat(TopicFilter.matches("$SYS/#", "$SYS/x")).isTrue();
        assertThat(TopicFilter.matches("$share/g/a/+", "a/b")).isTrue();
        assertThat(TopicFilter.matches("a", "a/b")).isFalse();
    }

    @Test
    void validity() {
        assertThat(TopicFilter.isValidFilter("a/#")).isTrue();
        assertThat(TopicFilter.isValidFilter("a#")).isFalse();
        assertThat(TopicFilter.isValidFilter("a/#/b")).isFalse();
        assertThat(TopicFilter.isValidFilter("a/+b")).isFalse();
        assertThat(TopicFilter.isValidTopicName("a/+")).isFalse();
        assertThat(TopicFilter.isValidTopicName("")).isFalse();
    }

    @Test
    void packetIdsAreReusedOnlyAfterRelease() {
        PacketIds ids = new PacketIds();
        int first = ids.acquire();
        for (int i = 0; i < 65534; i++) {
            assertThat(ids.acquire()).isNotEqualTo(first);
        }
        assertThat(ids.acquire()).as("all 65535 in use").isEqualTo(-1);
        ids.release(first);
        assertThat(ids.acquire()).isEqualTo(first);
    }
}
