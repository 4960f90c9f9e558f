package io.tern.broker;

/** Topic level handling shared by the topic tree, retained store and authorisation. */
public final class TopicLevels {

    private TopicLevels() {
    }

    /** Splits a topic or filter into levels, keeping empty levels ("a//b" has three). */
    public static String[] split(String topic) {
        int n = 1;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/') {
                n++;
            }
        }
        String[] levels = new String[n];
        int start = 0;
        int k = 0;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/') {
                levels[k++] = topic.substring(start, i);
                start = i + 1;
            }
        }
        levels[k] = topic.substring(start);
        return levels;
    }

    /** Whether a topic filter matches a topic name, with the $-rule of [MQTT-4.7.2-1]. */
    public static boolean matches(String filter, String topic) {
        String[] f = split(filter);
        String[] t = split(topic);
        if (t[0].startsWith("$") && (f[0].equals("+") || f[0].equals("#"))) {
            return false;
        }
        int i = 0;
        for (; i < f.length; i++) {
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
        return i == t.length;
    }

}
