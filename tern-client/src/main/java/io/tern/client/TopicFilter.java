package io.tern.client;

/** MQTT topic matching (spec 4.7), used to route received messages to the handler of the matching subscription. */
public final class TopicFilter {

    private TopicFilter() {
    }

    /**
     * Whether {@code topic} matches {@code filter}. A shared subscription's {@code $share/group/} prefix is
     * stripped; a filter starting with a wildcard does not match a topic starting with '$' [MQTT-4.7.2-1].
     */
    public static boolean matches(String filter, String topic) {
        if (filter.startsWith("$share/")) {
            int slash = filter.indexOf('/', 7);
            if (slash < 0) {
                return false;
            }
            filter = filter.substring(slash + 1);
        }
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    /** Whether a topic name is valid for PUBLISH: non-empty, no wildcards, no NUL. */
    public static boolean isValidTopicName(String topic) {
        if (topic.isEmpty()) {
            return false;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#' || c == 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether a topic filter is valid for SUBSCRIBE: wildcards only as whole levels, '#' only last. */
    public static boolean isValidFilter(String filter) {
        if (filter.isEmpty()) {
            return false;
        }
        int n = filter.length();
        for (int i = 0; i < n; i++) {
            char c = filter.charAt(i);
            if (c == 0) {
                return false;
            }
            if (c == '+' || c == '#') {
                boolean startOk = i == 0 || filter.charAt(i - 1) == '/';
                boolean endOk = i == n - 1 || filter.charAt(i + 1) == '/';
                if (!startOk || !endOk || (c == '#' && i != n - 1)) {
                    return false;
                }
            }
        }
        return true;
    }
}
