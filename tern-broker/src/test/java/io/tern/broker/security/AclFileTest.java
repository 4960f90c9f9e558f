package io.tern.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** ACL semantics as Mosquitto 2.0's src/security_default.c implements them. */
class AclFileTest {
    static final List<String> ACL = List.of(
            "# anonymous clients",
            "topic read public/#",
            "topic write anon/in",
            "",
            "user alice",
            "topic readwrite a/#",
            "topic deny a/secret",
            "topic read ro/#",
            "topic write wo/#",
            "topic $SYS/#",
            "topic read x/+/y",
            "",
            "user bob",
            "topic read b/#",
            "topic deny devices/bob-phone/#",
            "",
            "user with space",
            "topic space/#",
            "",
            "pattern readwrite devices/%c/#",
            "pattern read users/%u/#",
            "pattern deny devices/%c/private",
            "pattern write mix/%u/%c");

    static AclFile acl;

    static {
        try {
            acl = AclFile.parse("acl", ACL);
        } catch (SecurityFileException e) {
            throw new AssertionError(e);
        }
    }

    enum Op { PUB, READ, SUB }

    static Stream<Arguments> table() {
        return Stream.of(
                // user section: grants by access kind
                row("c1", "alice", Op.PUB, "a/x", true),
                row("c1", "alice", Op.READ, "a/x/y", true),
                row("c1", "alice", Op.READ, "a", true),             // a/# matches the parent a
                row("c1", "alice", Op.PUB, "ro/x", false),
                row("c1", "alice", Op.READ, "ro/x", true),
                row("c1", "alice", Op.PUB, "wo/x", true),
                row("c1", "alice", Op.READ, "wo/x", false),
                row("c1", "alice", Op.READ, "x/any/y", true),
                row("c1", "alice", Op.READ, "x/any/z", false),
                // deny wins within the section, whatever the line order
                row("c1", "alice", Op.PUB, "a/secret", false),
                row("c1", "alice", Op.READ, "a/secret", false),
                row("c1", "alice", Op.READ, "a/secret/below", true),
                // a user's explicit grant is decided before patterns: pattern deny does not override it
                row("alice", "alice", Op.PUB, "devices/alice/private", false),
                row("c1", "bob", Op.READ, "devices/c1/private", false),
                // user deny beats a pattern grant (user section is checked first)
                row("bob-phone", "bob", Op.READ, "devices/bob-phone/x", false),
                row("bob-phone", "bob", Op.PUB, "devices/bob-phone/x", false),
                row("bob-tab", "bob", Op.PUB, "devices/bob-tab/x", true),
                // $ topics: only rules starting with $ match them
                row("c1", "alice", Op.READ, "$SYS/broker/uptime", true),
                row("c1", "bob", Op.READ, "$SYS/broker/uptime", false),
                row("c1", "alice", Op.READ, "$other", false),
                // anonymous section applies only to clients without username
                row("anon1", null, Op.READ, "public/news", true),
                row("anon1", null, Op.PUB, "public/news", false),
                row("anon1", null, Op.PUB, "anon/in", true),
                row("c1", "alice", Op.READ, "public/news", false),
                row("c1", "carol", Op.READ, "public/news", false),
                // a user without a section still gets the patterns
                row("carol-1", "carol", Op.PUB, "devices/carol-1/t", true),
                row("carol-1", "carol", Op.READ, "users/carol/inbox", true),
                row("carol-1", "carol", Op.PUB, "users/carol/inbox", false),
                row("carol-1", "carol", Op.READ, "users/dave/inbox", false),
                row("carol-1", "carol", Op.READ, "devices/carol-2/t", false),
                row("carol-1", "carol", Op.READ, "devices/carol-1/private", false),
                row("carol-1", "carol", Op.PUB, "mix/carol/carol-1", true),
                row("carol-1", "carol", Op.PUB, "mix/carol/other", false),
                // patterns with %u do nothing for clients without username; %c ones still apply
                row("anon1", null, Op.READ, "users/null/x", false),
                row("anon1", null, Op.READ, "users/%u/x", false),
                row("anon1", null, Op.PUB, "devices/anon1/x", true),
                // + or # in username or client id disables patterns for that client
                row("evil/#", "carol", Op.READ, "devices/evil/x", false),
                row("evil+", "carol", Op.PUB, "devices/evil+/x", false),
                row("ok", "car#ol", Op.READ, "users/car#ol/x", false),
                row("ok", "car#ol", Op.PUB, "devices/ok/x", false),
                // ... but not the user's own section
                row("evil#", "alice", Op.PUB, "a/x", true),
                // '/' in the client id is substituted literally, as in Mosquitto 2.0
                row("room/1", "carol", Op.PUB, "devices/room/1/x", true),
                row("c", "with space", Op.PUB, "space/x", true),
                // subscriptions: allowed when some topic the filter matches could be read
                row("c1", "alice", Op.SUB, "a/#", true),
                row("c1", "alice", Op.SUB, "#", true),
                row("c1", "alice", Op.SUB, "+/x", true),
                row("c1", "alice", Op.SUB, "a/secret", false),
                row("c1", "alice", Op.SUB, "a/+", true),
                row("c1", "alice", Op.SUB, "wo/#", false),
                row("c1", "alice", Op.SUB, "x/+/y", true),
                row("c1", "alice", Op.SUB, "x/q/+", true),
                row("c1", "alice", Op.SUB, "x/q/z", false),
                row("c1", "alice", Op.SUB, "nothing/here", false),
                row("c1", "alice", Op.SUB, "$SYS/#", true),
                row("c1", "bob", Op.SUB, "$SYS/#", false),
                row("c1", "carol", Op.SUB, "+/broker", false),
                row("bob-phone", "bob", Op.SUB, "devices/bob-phone/#", false),
                row("bob-phone", "bob", Op.SUB, "devices/#", false), // own device denied, others never granted
                row("bob-tab", "bob", Op.SUB, "devices/#", true),
                row("carol-1", "carol", Op.SUB, "devices/+/x", true),
                row("carol-1", "carol", Op.SUB, "devices/carol-1/private", false),
                row("carol-1", "carol", Op.SUB, "users/+/inbox", true),
                row("carol-1", "carol", Op.SUB, "$share/g/users/carol/#", true),
                row("carol-1", "carol", Op.SUB, "$share/g/users/dave/#", false),
                row("anon1", null, Op.SUB, "public/+", true),
                row("anon1", null, Op.SUB, "anon/in", false),
                row("evil#", "carol", Op.SUB, "devices/#", false));
    }

    static Arguments row(String clientId, String username, Op op, String topic, boolean allowed) {
        return Arguments.of(clientId, username, op, topic, allowed);
    }

    @ParameterizedTest(name = "[{index}] {0}/{1} {2} {3} -> {4}")
    @MethodSource("table")
    void decidesAsMosquitto(String clientId, String username, Op op, String topic, boolean allowed) {
        boolean answer = switch (op) {
            case PUB -> acl.canPublish(clientId, username, topic);
            case READ -> acl.canRead(clientId, username, topic);
            case SUB -> acl.canReadSome(clientId, username, topic);
        };
        assertThat(answer).isEqualTo(allowed);
    }

    @Test
    void anAclFileGrantsEverySubscribeAsMosquittoDoesAndFiltersAtDelivery() throws Exception {
        AclFile file = AclFile.parse("acl", List.of("user u", "topic read a/#"));
        assertThat(file.canSubscribe("c", "u", "b/#")).isTrue();
        assertThat(file.canReadSome("c", "u", "b/#")).isFalse();
        assertThat(file.canRead("c", "u", "b/x")).isFalse();
    }

    @Test
    void wildcardsAtTheFirstLevelNeverReachDollarTopics() throws Exception {
        // [MQTT-4.7.2-1]: the only readable topics start with $, so "#" and "+/..." can never deliver
        AclFile file = AclFile.parse("acl", List.of("user u", "topic read $SYS/#"));
        assertThat(file.canReadSome("c", "u", "#")).isFalse();
        assertThat(file.canReadSome("c", "u", "+/broker/#")).isFalse();
        assertThat(file.canReadSome("c", "u", "$SYS/+/uptime")).isTrue();
        assertThat(file.canReadSome("c", "u", "$SYS")).isTrue();
    }

    @Test
    void subscribeNeedsATopicThatEscapesEveryDeny() throws Exception {
        AclFile file = AclFile.parse("acl", List.of("user u", "topic read a/#", "topic deny a/+", "topic deny a/+/+",
                "topic deny a"));
        assertThat(file.canReadSome("c", "u", "a/#")).as("a/x/y/z is readable").isTrue();
        assertThat(file.canReadSome("c", "u", "a/+/+")).isFalse();
        assertThat(file.canReadSome("c", "u", "a/+/+/+")).isTrue();
        assertThat(file.canReadSome("c", "u", "a")).isFalse();
        AclFile named = AclFile.parse("acl", List.of("user u", "topic read s/+", "topic deny s/a", "topic deny s/b"));
        assertThat(named.canReadSome("c", "u", "s/+")).as("s/c is readable").isTrue();
        assertThat(named.canReadSome("c", "u", "s/a")).isFalse();
    }

    @Test
    void singleWordIsTheTopicWithReadwrite() throws Exception {
        AclFile file = AclFile.parse("acl", List.of("user u", "topic read", "topic   spaced/#   "));
        assertThat(file.canPublish("c", "u", "read")).isTrue();
        assertThat(file.canRead("c", "u", "read")).isTrue();
        assertThat(file.canPublish("c", "u", "spaced/x")).isTrue();
    }

    @Test
    void topicMayContainSpacesAndTabsSeparateWords() throws Exception {
        AclFile file = AclFile.parse("acl", List.of("user\tu", "topic\tread  my topic/with spaces"));
        assertThat(file.canRead("c", "u", "my topic/with spaces")).isTrue();
    }

    @Test
    void emptyFileDeniesEverything() throws Exception {
        AclFile file = AclFile.parse("acl", List.of("# nothing"));
        assertThat(file.canPublish("c", null, "t")).isFalse();
        assertThat(file.canRead("c", "u", "t")).isFalse();
        assertThat(file.canReadSome("c", "u", "#")).isFalse();
    }

    @Test
    void patternWithoutSubstitutionIsAWarning() throws Exception {
        AclFile file = AclFile.parse("my.acl", List.of("", "pattern read everyone/#"));
        assertThat(file.warnings()).singleElement().asString().startsWith("my.acl:2: ");
        assertThat(file.canRead("c", null, "everyone/x")).isTrue();
    }

    @Test
    void allowAllAllowsEverything() {
        Authorizer all = Authorizer.allowAll();
        assertThat(all.canPublish("c", null, "$SYS/x")).isTrue();
        assertThat(all.canRead("c", "u", "t")).isTrue();
        assertThat(all.canReadSome("c", "u", "#")).isTrue();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("topic", "'topic' needs a topic"),
                Arguments.of("pattern", "'pattern' needs a topic"),
                Arguments.of("user", "'user' needs a username"),
                Arguments.of("topic reed a/b", "unknown access 'reed'"),
                Arguments.of("topic read a/#/b", "'#' must be the last topic level"),
                Arguments.of("topic read a/b#", "'#' must occupy a whole topic level"),
                Arguments.of("pattern write a+/%c", "'+' must occupy a whole topic level"),
                Arguments.of("users alice", "unknown keyword 'users'"),
                Arguments.of("Topic read a", "unknown keyword 'Topic'"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedLineNamesFileLineAndReason(String badLine, String reason, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("acl.conf");
        Files.write(file, List.of("user alice", "topic a/#", badLine), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> AclFile.load(file))
                .isInstanceOfSatisfying(SecurityFileException.class, e -> {
                    assertThat(e.file()).isEqualTo(file.toString());
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.reason()).contains(reason);
                });
    }

    static Stream<Arguments> matching() {
        return Stream.of(
                Arguments.of("a/b", "a/b", true), Arguments.of("a/+", "a/b", true), Arguments.of("a/+", "a", false),
                Arguments.of("a/+", "a/", true), Arguments.of("a/#", "a", true), Arguments.of("a/#", "a/b/c", true),
                Arguments.of("#", "a", true), Arguments.of("#", "/", true), Arguments.of("+/+", "/", true),
                Arguments.of("+", "/", false), Arguments.of("a/b", "a/bc", false), Arguments.of("a/bc", "a/b", false),
                Arguments.of("#", "$SYS/x", false), Arguments.of("+/x", "$SYS/x", false),
                Arguments.of("$SYS/#", "$SYS", true), Arguments.of("a/+/c", "a/b/c", true),
                Arguments.of("a/+/c", "a/b/d", false), Arguments.of("a/#", "ab", false),
                Arguments.of("a//b", "a//b", true), Arguments.of("a/+/b", "a//b", true));
    }

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @MethodSource("matching")
    void topicMatchingFollowsTheSpec(String filter, String topic, boolean matches) {
        // [MQTT-4.7.1-2], [MQTT-4.7.1-3], [MQTT-4.7.2-1]
        assertThat(AclTopics.matches(filter, topic)).isEqualTo(matches);
    }
}
