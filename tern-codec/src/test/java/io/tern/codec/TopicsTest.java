package io.tern.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class TopicsTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b", "/", "//", "/a/", "$SYS/broker", "a b", "\u00e9/\ud83d\ude00"})
    void validTopicNames(String t) {
        assertThat(Topics.topicNameError(t)).isNull();
    }

    @Test
    void invalidTopicNames() {
        assertThat(Topics.topicNameError("")).isEqualTo("topic name is empty"); // [MQTT-4.7.3-1]
        assertThat(Topics.topicNameError("a/+/b")).contains("wildcard '+' at position 2"); // [MQTT-3.3.2-2]
        assertThat(Topics.topicNameError("a/#")).contains("wildcard '#' at position 2");
        assertThat(Topics.topicNameError("a\u0000b")).contains("U+0000"); // [MQTT-4.7.3-2]
        assertThat(Topics.topicNameError("\u20ac".repeat(21_846))).contains("65535"); // 65,538 UTF-8 bytes
        assertThat(Topics.topicNameError("a".repeat(65_535))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"#", "+", "a/#", "a/+/b", "+/+", "/+", "+/", "a//b", "/#", "$share/g/a/#", "sport/tennis/+"})
    void validTopicFilters(String f) {
        assertThat(Topics.topicFilterError(f)).isNull();
    }

    @Test
    void invalidTopicFilters() { // [MQTT-4.7.1-2][MQTT-4.7.1-3][MQTT-4.7.3-1]
        assertThat(Topics.topicFilterError("")).isEqualTo("topic filter is empty");
        assertThat(Topics.topicFilterError("a/b#")).contains("'#' at position 3", "does not fill a whole level");
        assertThat(Topics.topicFilterError("#/a")).contains("is not the last character");
        assertThat(Topics.topicFilterError("a/#/b")).contains("is not the last character");
        assertThat(Topics.topicFilterError("a+/b")).contains("'+' at position 1");
        assertThat(Topics.topicFilterError("a/+b")).contains("'+' at position 2");
        assertThat(Topics.topicFilterError("++")).contains("'+' at position 0");
        assertThat(Topics.topicFilterError("a\u0000")).contains("U+0000");
    }

    @Test
    void wildcards() {
        assertThat(Topics.hasWildcard("a/b")).isFalse();
        assertThat(Topics.hasWildcard("a/+")).isTrue();
        assertThat(Topics.hasWildcard("#")).isTrue();
    }

    @Test
    void sharedSubscriptions() { // [MQTT-4.8.2-1][MQTT-4.8.2-2]
        assertThat(Topics.isShared("$share/g/a")).isTrue();
        assertThat(Topics.isShared("$shared/g/a")).isFalse();
        assertThat(Topics.sharedFilterError("$share/g/a/+")).isNull();
        assertThat(Topics.sharedFilterError("$share/g//")).isNull();
        assertThat(Topics.sharedFilterError("$share//a")).contains("empty share name");
        assertThat(Topics.sharedFilterError("$share/g+/a")).contains("share name 'g+'", "wildcard");
        assertThat(Topics.sharedFilterError("$share/#/a")).contains("wildcard");
        assertThat(Topics.sharedFilterError("$share/g")).contains("no topic filter");
        assertThat(Topics.sharedFilterError("$share/g/")).contains("empty topic filter");
        assertThat(Topics.sharedFilterError("$share/g/a#")).contains("does not fill a whole level");
        assertThat(Topics.sharedFilterError("a/b")).contains("does not start with '$share/'");
        assertThat(Topics.shareName("$share/grp/a/b")).isEqualTo("grp");
        assertThat(Topics.sharedTopicFilter("$share/grp/a/b")).isEqualTo("a/b");
    }
}
