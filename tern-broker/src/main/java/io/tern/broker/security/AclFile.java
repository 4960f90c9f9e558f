package io.tern.broker.security;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mosquitto's {@code acl_file}, with Mosquitto 2.0's meaning (src/security_default.c):
 *
 * <pre>
 * # comment
 * topic [read|write|readwrite|deny] TOPIC     (no access word = readwrite)
 * user NAME
 * topic ...                                   (applies to NAME)
 * pattern [read|write|readwrite|deny] TOPIC   (applies to every client; %c = client id, %u = username)
 * </pre>
 *
 * <ul>
 *   <li>{@code topic} lines before the first {@code user} line apply to clients without a username;
 *       after it, to that user. A username with no section gets only the {@code pattern} rules.
 *   <li>A check first looks at the client's own section: a matching {@code deny} refuses, else a matching
 *       rule granting the access allows. Only if neither matched are the patterns consulted the same way
 *       (deny first). Nothing matching means refused. So deny wins within a section, and a user's explicit
 *       grant beats a general {@code pattern deny}, exactly as in Mosquitto.
 *   <li>When pattern rules exist and the username or client id contains {@code +} or {@code #}, the
 *       pattern rules refuse everything: otherwise such an id would turn {@code %c} into a wildcard.
 *   <li>Patterns using {@code %u} are skipped for clients without a username.
 *   <li>Topic rules that do not start with {@code $} never match topics that do; {@code +} and {@code #}
 *       do not match a leading {@code $} level.
 * </ul>
 *
 * <p>Mosquitto 2.0 also refuses malformed lines, but often without saying where; here every error names
 * file, line and reason. Deliberate leniencies: tabs between words, and comments after leading blanks.
 *
 * <p>{@link #canSubscribe} grants every SUBSCRIBE, as Mosquitto 2.0.11 does, which filters only at delivery;
 * {@link #canReadSome} tells whether a filter can ever deliver anything, for {@code deny_unreadable_subscriptions}.
 *
 * <p>Immutable and thread-safe; reload by loading the file again.
 */
public final class AclFile implements Authorizer {
    private static final int READ = 1;
    private static final int WRITE = 2;
    private static final int DENY = 0;

    private record Rule(String topic, int access, boolean usesUsername) {}

    /** Rules of one section, denials apart because they are always checked first. */
    private record Section(List<Rule> denies, List<Rule> grants) {
        static Section of(List<Rule> rules) {
            return new Section(rules.stream().filter(r -> r.access == DENY).toList(),
                    rules.stream().filter(r -> r.access != DENY).toList());
        }

        boolean isEmpty() { return denies.isEmpty() && grants.isEmpty(); }
    }

    private final String source;
    private final Section anonymous;
    private final Map<String, Section> users;
    private final Section patterns;
    private final List<String> warnings;

    private AclFile(String source, Section anonymous, Map<String, Section> users, Section patterns,
                    List<String> warnings) {
        this.source = source;
        this.anonymous = anonymous;
        this.users = users;
        this.patterns = patterns;
        this.warnings = warnings;
    }

    /**
     * Reads and parses an ACL file (UTF-8).
     *
     * @throws SecurityFileException with file and line when a line is malformed
     * @throws IOException           when the file cannot be read
     */
    public static AclFile load(Path path) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new SecurityFileException(path.toString(), 0, "not valid UTF-8");
        }
        return parse(path.toString(), lines);
    }

    /**
     * Parses ACL file lines.
     *
     * @param source the file name used in error messages
     * @throws SecurityFileException with file and line when a line is malformed
     */
    public static AclFile parse(String source, List<String> lines) throws SecurityFileException {
        List<Rule> anonymous = new ArrayList<>();
        Map<String, List<Rule>> users = new LinkedHashMap<>();
        List<Rule> patterns = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<Rule> current = anonymous;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] first = splitWord(line);
            switch (first[0]) {
                case "user" -> {
                    if (first[1].isEmpty()) {
                        throw new SecurityFileException(source, lineNo, "'user' needs a username");
                    }
                    current = users.computeIfAbsent(first[1], u -> new ArrayList<>());
                }
                case "topic", "pattern" -> {
                    boolean pattern = first[0].equals("pattern");
                    if (first[1].isEmpty()) {
                        throw new SecurityFileException(source, lineNo, "'" + first[0] + "' needs a topic");
                    }
                    String[] second = splitWord(first[1]);
                    int access;
                    String topic;
                    if (second[1].isEmpty()) {
                        // Mosquitto reads a single word as the topic with readwrite access, even "read"
                        access = READ | WRITE;
                        topic = second[0];
                    } else {
                        access = switch (second[0]) {
                            case "read" -> READ;
                            case "write" -> WRITE;
                            case "readwrite" -> READ | WRITE;
                            case "deny" -> DENY;
                            default -> throw new SecurityFileException(source, lineNo, "unknown access '"
                                    + second[0] + "' (expected read, write, readwrite or deny)");
                        };
                        topic = second[1];
                    }
                    String problem = AclTopics.filterProblem(topic);
                    if (problem != null) {
                        throw new SecurityFileException(source, lineNo, "invalid topic '" + topic + "': " + problem);
                    }
                    boolean usesUsername = pattern && topic.contains("%u");
                    if (pattern) {
                        if (!usesUsername && !topic.contains("%c")) {
                            warnings.add(source + ":" + lineNo + ": pattern '" + topic
                                    + "' contains neither %c nor %u, so it applies to every client alike");
                        }
                        patterns.add(new Rule(topic, access, usesUsername));
                    } else {
                        current.add(new Rule(topic, access, false));
                    }
                }
                default -> throw new SecurityFileException(source, lineNo, "unknown keyword '" + first[0]
                        + "' (expected topic, pattern or user)");
            }
        }
        Map<String, Section> userSections = new HashMap<>();
        users.forEach((user, rules) -> userSections.put(user, Section.of(rules)));
        return new AclFile(source, Section.of(anonymous), Map.copyOf(userSections), Section.of(patterns),
                List.copyOf(warnings));
    }

    /** First word and the trimmed rest of {@code s} (rest empty when there is none); words split on blanks. */
    private static String[] splitWord(String s) {
        int i = 0;
        while (i < s.length() && !isBlank(s.charAt(i))) {
            i++;
        }
        return new String[] {s.substring(0, i), s.substring(i).strip()};
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** Things worth a log line that do not stop the file loading, each prefixed with file and line. */
    public List<String> warnings() { return warnings; }

    /** The file name given at load time. */
    public String source() { return source; }

    @Override
    public boolean canPublish(String clientId, String username, String topic) {
        return check(clientId, username, topic, WRITE);
    }

    @Override
    public boolean canRead(String clientId, String username, String topic) {
        return check(clientId, username, topic, READ);
    }

    /**
     * True when at least one topic matched by {@code filter} would pass {@link #canRead}. A
     * {@code $share/GROUP/} prefix is stripped first.
     *
     * <p>Decided exactly, not by sampling: for every rule that could grant read access, a witness topic is
     * built for each length up to one more than the longest rule, taking each level from the filter or the
     * rule where one of them names it and a level no rule names otherwise (such a level is matched by fewer
     * deny rules than any named one), then checked with {@link #canRead}.
     */
    @Override
    public boolean canSubscribe(String clientId, String username, String filter) {
        return true;
    }

    @Override
    public boolean canReadSome(String clientId, String username, String filter) {
        if (filter.startsWith("$share/")) {
            int groupEnd = filter.indexOf('/', "$share/".length());
            if (groupEnd < 0) {
                return false;
            }
            filter = filter.substring(groupEnd + 1);
        }
        if (AclTopics.filterProblem(filter) != null) {
            return false;
        }
        List<String> grants = new ArrayList<>();
        List<String> all = new ArrayList<>();
        Section own = section(username);
        if (own != null) {
            own.grants.stream().filter(r -> (r.access & READ) != 0).forEach(r -> grants.add(r.topic));
            own.denies.forEach(r -> all.add(r.topic));
        }
        if (clientId != null) {
            for (Rule r : patterns.grants) {
                if ((r.access & READ) != 0 && !(r.usesUsername && username == null)) {
                    grants.add(substitute(r.topic, clientId, username));
                }
            }
            for (Rule r : patterns.denies) {
                if (!(r.usesUsername && username == null)) {
                    all.add(substitute(r.topic, clientId, username));
                }
            }
        }
        all.addAll(grants);
        String[] filterLevels = filter.split("/", -1);
        int maxLevels = filterLevels.length;
        for (String rule : all) {
            maxLevels = Math.max(maxLevels, rule.split("/", -1).length);
        }
        // U+0000 may not appear in an MQTT topic, so no rule names this level
        String unnamed = "\u0000";
        for (String grant : grants) {
            String[] grantLevels = grant.split("/", -1);
            for (int length = 1; length <= maxLevels + 1; length++) {
                StringBuilder witness = new StringBuilder();
                for (int level = 0; level < length; level++) {
                    if (level > 0) {
                        witness.append('/');
                    }
                    String named = namedLevel(filterLevels, level);
                    if (named == null) {
                        named = namedLevel(grantLevels, level);
                    }
                    witness.append(named != null ? named : unnamed);
                }
                String topic = witness.toString();
                if (AclTopics.matches(filter, topic) && AclTopics.matches(grant, topic)
                        && canRead(clientId, username, topic)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The literal at {@code index} of a split filter, or null where the filter has a wildcard or has ended. */
    private static String namedLevel(String[] levels, int index) {
        if (index >= levels.length) {
            return null;
        }
        String level = levels[index];
        return level.equals("+") || level.equals("#") ? null : level;
    }

    private Section section(String username) {
        return username == null ? anonymous : users.get(username);
    }

    private boolean check(String clientId, String username, String topic, int access) {
        Section own = section(username);
        if (own != null) {
            boolean dollar = topic.startsWith("$");
            for (Rule r : own.denies) {
                if (!(dollar && !r.topic.startsWith("$")) && AclTopics.matches(r.topic, topic)) {
                    return false;
                }
            }
            for (Rule r : own.grants) {
                if ((r.access & access) != 0 && !(dollar && !r.topic.startsWith("$"))
                        && AclTopics.matches(r.topic, topic)) {
                    return true;
                }
            }
        }
        if (patterns.isEmpty() || clientId == null) {
            return false;
        }
        if ((username != null && AclTopics.hasWildcard(username)) || AclTopics.hasWildcard(clientId)) {
            return false;
        }
        for (Rule r : patterns.denies) {
            if (!(r.usesUsername && username == null)
                    && AclTopics.matches(substitute(r.topic, clientId, username), topic)) {
                return false;
            }
        }
        for (Rule r : patterns.grants) {
            if ((r.access & access) != 0 && !(r.usesUsername && username == null)
                    && AclTopics.matches(substitute(r.topic, clientId, username), topic)) {
                return true;
            }
        }
        return false;
    }

    /** Replaces {@code %c} and {@code %u} left to right, as Mosquitto's pattern expansion does. */
    private static String substitute(String pattern, String clientId, String username) {
        if (pattern.indexOf('%') < 0) {
            return pattern;
        }
        StringBuilder out = new StringBuilder(pattern.length() + 32);
        int n = pattern.length();
        for (int i = 0; i < n; i++) {
            char c = pattern.charAt(i);
            if (c == '%' && i + 1 < n) {
                char next = pattern.charAt(i + 1);
                if (next == 'c') {
                    out.append(clientId);
                    i++;
                    continue;
                }
                if (next == 'u' && username != null) {
                    out.append(username);
                    i++;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "AclFile[" + source + "]";
    }
}
