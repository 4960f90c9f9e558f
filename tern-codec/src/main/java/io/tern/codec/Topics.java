package io.tern.codec;

/**
 * Syntax checks for topic names, topic filters and shared subscriptions (MQTT 3.1.1 section 4.7,
 * MQTT 5.0 sections 4.7 and 4.8.2). The decoder applies them to every packet; the broker reuses them for
 * configuration (bridge topics, ACL patterns) and for the MQTT 5 shared-subscription syntax.
 *
 * <p>The error methods return {@code null} for a valid argument and otherwise a short text saying what
 * is wrong, meant to be embedded in a log line or exception message.
 */
public final class Topics {

    /** The prefix of an MQTT 5 shared subscription filter. */
    public static final String SHARE_PREFIX = "$share/";

    /** The longest topic an MQTT string can carry, in UTF-8 bytes. */
    public static final int MAX_TOPIC_BYTES = 65_535;

    private Topics() {
    }

    /** Whether the string contains a topic wildcard ('+' or '#'). */
    public static boolean hasWildcard(String s) {
        return s.indexOf('+') >= 0 || s.indexOf('#') >= 0;
    }

    /**
     * Why {@code topic} is not a valid topic name for PUBLISH or a Will, or null when it is valid.
     * A topic name is non-empty [MQTT-4.7.3-1], has no wildcards [MQTT-3.3.2-2] and no U+0000
     * [MQTT-4.7.3-2].
     */
    public static String topicNameError(String topic) {
        if (topic == null || topic.isEmpty()) {
            return "topic name is empty";
        }
        int plus = topic.indexOf('+');
        if (plus >= 0) {
            return "topic name contains the wildcard '+' at position " + plus;
        }
        int hash = topic.indexOf('#');
        if (hash >= 0) {
            return "topic name contains the wildcard '#' at position " + hash;
        }
        if (topic.indexOf('\u0000') >= 0) {
            return "topic name contains U+0000";
        }
        return tooLong(topic, "topic name");
    }

    /**
     * Why {@code filter} is not a valid topic filter, or null when it is valid. A filter is non-empty
     * [MQTT-4.7.3-1]; '#' stands alone as the last level [MQTT-4.7.1-2]; '+' fills a whole level
     * [MQTT-4.7.1-3].
     */
    public static String topicFilterError(String filter) {
        if (filter == null || filter.isEmpty()) {
            return "topic filter is empty";
        }
        int n = filter.length();
        for (int i = 0; i < n; i++) {
            char c = filter.charAt(i);
            if (c == '#') {
                if (i != n - 1) {
                    return "'#' at position " + i + " of topic filter '" + filter + "' is not the last character";
                }
                if (i > 0 && filter.charAt(i - 1) != '/') {
                    return "'#' at position " + i + " of topic filter '" + filter + "' does not fill a whole level";
                }
            } else if (c == '+') {
                if ((i > 0 && filter.charAt(i - 1) != '/') || (i < n - 1 && filter.charAt(i + 1) != '/')) {
                    return "'+' at position " + i + " of topic filter '" + filter + "' does not fill a whole level";
                }
            } else if (c == '\u0000') {
                return "topic filter contains U+0000";
            }
        }
        return tooLong(filter, "topic filter");
    }

    /** Whether the filter uses the MQTT 5 shared-subscription syntax {@code $share/{group}/{filter}}. */
    public static boolean isShared(String filter) {
        return filter.startsWith(SHARE_PREFIX);
    }

    /**
     * Why {@code filter} is not a valid shared subscription {@code $share/{group}/{filter}}, or null when it
     * is: the group is non-empty and has no wildcards [MQTT-4.8.2-1][MQTT-4.8.2-2], and the rest is a valid
     * topic filter.
     */
    public static String sharedFilterError(String filter) {
        if (filter == null || !filter.startsWith(SHARE_PREFIX)) {
            return "shared subscription does not start with '" + SHARE_PREFIX + "'";
        }
        int slash = filter.indexOf('/', SHARE_PREFIX.length());
        if (slash < 0) {
            return "shared subscription '" + filter + "' has no topic filter after the share name";
        }
        String group = filter.substring(SHARE_PREFIX.length(), slash);
        if (group.isEmpty()) {
            return "shared subscription '" + filter + "' has an empty share name";
        }
        if (hasWildcard(group)) {
            return "share name '" + group + "' of shared subscription '" + filter + "' contains a wildcard";
        }
        String rest = filter.substring(slash + 1);
        if (rest.isEmpty()) {
            return "shared subscription '" + filter + "' has an empty topic filter";
        }
        return topicFilterError(rest);
    }

    /** The share name of a valid shared subscription. */
    public static String shareName(String sharedFilter) {
        return sharedFilter.substring(SHARE_PREFIX.length(), sharedFilter.indexOf('/', SHARE_PREFIX.length()));
    }

    /** The topic filter of a valid shared subscription, without the {@code $share/{group}/} prefix. */
    public static String sharedTopicFilter(String sharedFilter) {
        return sharedFilter.substring(sharedFilter.indexOf('/', SHARE_PREFIX.length()) + 1);
    }

    private static String tooLong(String s, String what) {
        // Only strings near the limit can exceed it; a char is at most 3 UTF-8 bytes.
        if (s.length() * 3 <= MAX_TOPIC_BYTES) {
            return null;
        }
        int bytes = MqttEncoder.utf8Length(s);
        return bytes > MAX_TOPIC_BYTES ? what + " is " + bytes + " bytes, more than " + MAX_TOPIC_BYTES : null;
    }
}
