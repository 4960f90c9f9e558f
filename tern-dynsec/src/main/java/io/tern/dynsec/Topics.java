package io.tern.dynsec;

/** Topic checks with the exact meaning of libmosquitto's, which the plugin's ACLs are defined by. */
final class Topics {

    private Topics() {
    }

    /** mosquitto_sub_topic_check: {@code +} and {@code #} whole levels, {@code #} last, at most 65535 characters. */
    static boolean validFilter(String s) {
        char prev = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            char next = i + 1 < s.length() ? s.charAt(i + 1) : 0;
            if (c == '+') {
                if ((prev != 0 && prev != '/') || (next != 0 && next != '/')) {
                    return false;
                }
            } else if (c == '#') {
                if ((prev != 0 && prev != '/') || next != 0) {
                    return false;
                }
            }
            prev = c;
        }
        return s.length() <= 65535;
    }

    /**
     * mosquitto_topic_matches_sub: does the filter {@code sub} match the topic name {@code topic}? A filter
     * and a topic match only if both or neither start with {@code $}; invalid input never matches.
     */
    static boolean matches(String sub, String topic) {
        if (sub.isEmpty() || topic.isEmpty() || !validFilter(sub)
                || topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            return false;
        }
        if ((sub.charAt(0) == '$') != (topic.charAt(0) == '$')) {
            return false;
        }
        String[] s = sub.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < s.length; i++) {
            if (s[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!s[i].equals("+") && !s[i].equals(t[i])) {
                return false;
            }
        }
        return s.length == t.length;
    }

    /**
     * The plugin's sub_acl_check: may a client subscribe (or unsubscribe) to filter {@code sub} under the
     * pattern ACL {@code acl}? True when every topic {@code sub} can match is matched by {@code acl}, with
     * {@code +} in the ACL covering a {@code +} in the filter.
     */
    static boolean coversFilter(String acl, String sub) {
        if (acl.equals("#")) {
            return true;
        }
        boolean aclHash = false;
        boolean subHash = false;
        if (acl.endsWith("/#")) {
            acl = acl.substring(0, acl.length() - 2);
            aclHash = true;
        }
        if (sub.equals("#")) {
            sub = "";
            subHash = true;
        } else if (sub.endsWith("/#")) {
            sub = sub.substring(0, sub.length() - 2);
            subHash = true;
        }
        if (subHash && !aclHash) {
            return false;
        }
        String[] a = acl.split("/", -1);
        String[] s = sub.split("/", -1);
        if (a.length > s.length || (s.length > a.length && !aclHash)) {
            return false;
        }
        for (int i = 0; i < s.length; i++) {
            if (i < a.length && (a[i].equals("+") || a[i].equals(s[i]))) {
                continue;
            }
            if (i >= a.length && aclHash) {
                continue;
            }
            return false;
        }
        return true;
    }
}
