package io.tern.dynsec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The control API and the checks on one model, without a broker. */
class ControlApiTest {

    private final Model model = new Model();
    private final List<Set<Optional<String>>> kicks = new ArrayList<>();
    private Snapshot snapshot = model.snapshot();

    private String run(String json) {
        return ControlApi.execute(json.getBytes(StandardCharsets.UTF_8), model, "admin-id", "admin",
                new ControlApi.Effects() {
                    @Override
                    public void changed() {
                        snapshot = model.snapshot();
                    }

                    @Override
                    public void kick(Set<Optional<String>> usernames) {
                        kicks.add(usernames);
                    }
                }).toString();
    }

    @Test
    void literalAndPatternSubscribeAcls() {
        model.passwordIterations = 1;
        run(LiveChangesTest.SETUP);
        assertThat(snapshot.canSubscribe("alice", "sentinel")).isEqualTo(Snapshot.Verdict.ALLOW);
        assertThat(snapshot.canSubscribe("alice", "r/1")).isEqualTo(Snapshot.Verdict.ALLOW);
        assertThat(snapshot.canSubscribe("alice", "other")).isEqualTo(Snapshot.Verdict.DEFER);
        assertThat(snapshot.canReceive("alice", "r/1")).isEqualTo(Snapshot.Verdict.ALLOW);
        assertThat(snapshot.authenticate("x", "alice", "a".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(Snapshot.Verdict.ALLOW);
        assertThat(snapshot.authenticate("x", "alice", "b".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(Snapshot.Verdict.DENY);
        assertThat(snapshot.authenticate("x", "nobody", "b".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(Snapshot.Verdict.DEFER);
    }

    @Test
    void changesKickTheClientsTheyConcern() {
        model.passwordIterations = 1;
        run(LiveChangesTest.SETUP);
        kicks.clear();
        run("{\"commands\":[{\"command\":\"disableClient\",\"username\":\"alice\"},"
                + "{\"command\":\"removeRoleACL\",\"rolename\":\"reader\",\"acltype\":\"subscribeLiteral\",\"topic\":\"sentinel\"}]}");
        assertThat(kicks).containsExactly(Set.of(Optional.of("alice")), Set.of(Optional.of("alice"), Optional.of("bob")));
        assertThat(snapshot.authenticate("x", "alice", "a".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(Snapshot.Verdict.DENY);
    }

    @Test
    void mosquittoTopicRules() {
        assertThat(Topics.matches("a/#", "a")).isTrue();
        assertThat(Topics.matches("#", "$SYS/x")).isFalse();
        assertThat(Topics.matches("+/+", "a/")).isTrue();
        assertThat(Topics.matches("a/#/b", "a/x/b")).isFalse();
        assertThat(Topics.coversFilter("a/+", "a/+")).isTrue();
        assertThat(Topics.coversFilter("a/b", "a/+")).isFalse();
        assertThat(Topics.coversFilter("a/#", "a")).isTrue();
        assertThat(Topics.coversFilter("a", "a/#")).isFalse();
        assertThat(Topics.coversFilter("+/#", "#")).isTrue();
        assertThat(Topics.validFilter("")).isTrue();
        assertThat(Topics.validFilter("a+")).isFalse();
    }
}
