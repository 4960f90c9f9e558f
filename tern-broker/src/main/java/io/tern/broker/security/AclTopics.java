package io.tern.broker.security;

/**
 * Topic filter matching as Mosquitto's {@code mosquitto_topic_matches_sub} does it for ACL checks. Kept
 * here rather than borrowed from the broker's topic tree so the ACL semantics stay pinned to Mosquitto's
 * even if routing code changes.
 */
final class AclTopics {
    private AclTopics() {}

    /**
     * True when {@code topic} (no wildcards) matches {@code filter}. {@code +} matches one level, a final
     * {@code #} matches the parent and any number of levels below, and a filter matches a topic starting
     * with {@code $} only when the filter starts with {@code $} too [MQTT-4.7.2-1].
     */
    static boolean matches(String filter, String topic) {
        int fl = filter.length();
        int tl = topic.length();
        if (fl == 0 || tl == 0) {
            return false;
        }
        if ((filter.charAt(0) == '$') != (topic.charAt(0) == '$')) {
            return false;
        }
        int fi = 0;
        int ti = 0;
        while (true) {
            int fe = levelEnd(filter, fi);
            int te = levelEnd(topic, ti);
            if (fe - fi == 1 && filter.charAt(fi) == '#') {
                return true;
            }
            boolean plus = fe - fi == 1 && filter.charAt(fi) == '+';
            if (!plus && (fe - fi != te - ti || !filter.regionMatches(fi, topic, ti, fe - fi))) {
                return false;
            }
            boolean filterDone = fe == fl;
            boolean topicDone = te == tl;
            if (filterDone && topicDone) {
                return true;
            }
            if (topicDone) {
                // "a/#" also matches "a": the only filter remainder that matches nothing more is "/#"
                return fe + 2 == fl && filter.charAt(fe + 1) == '#';
            }
            if (filterDone) {
                return false;
            }
            fi = fe + 1;
            ti = te + 1;
        }
    }

    private static int levelEnd(String s, int from) {
        int slash = s.indexOf('/', from);
        return slash < 0 ? s.length() : slash;
    }

    /**
     * Why {@code filter} is not a valid topic filter, or null when it is: non-empty, at most 65535
     * characters, {@code +} and {@code #} only as whole levels, {@code #} only last [MQTT-4.7.1-2], [MQTT-4.7.1-3].
     */
    static String filterProblem(String filter) {
        if (filter.isEmpty()) {
            return "empty topic";
        }
        if (filter.length() > 65535) {
            return "topic longer than 65535 characters";
        }
        int start = 0;
        while (true) {
            int end = levelEnd(filter, start);
            for (int i = start; i < end; i++) {
                char c = filter.charAt(i);
                if ((c == '+' || c == '#') && end - start != 1) {
                    return "'" + c + "' must occupy a whole topic level";
                }
                if (c == '#' && end != filter.length()) {
                    return "'#' must be the last topic level";
                }
            }
            if (end == filter.length()) {
                return null;
            }
            start = end + 1;
        }
    }

    static boolean hasWildcard(String s) {
        return s.indexOf('+') >= 0 || s.indexOf('#') >= 0;
    }
}
