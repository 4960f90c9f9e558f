package io.tern.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code cluster_*} options: values, defaults, and every refusal with FILE:LINE. */
class ClusterConfigTest {

    @TempDir
    Path dir;

    @Test
    void withoutClusterNameTheBrokerIsASingleNode() throws Exception {
        ClusterConfig c = ConfigFiles.parse(dir, "listener 1883\n").cluster();
        assertThat(c.enabled()).isFalse();
        assertThat(c.port()).isEqualTo(5701);
        assertThat(c.backupCount()).isEqualTo(1);
        assertThat(c.discovery()).isEqualTo(ClusterConfig.Discovery.TCP);
        assertThat(c.members()).isEmpty();
        assertThat(c.linkPort()).isZero(); // ephemeral
    }

    @Test
    void readsEveryOption() throws Exception {
        ClusterConfig c = ConfigFiles.parse(dir, """
                listener 1883
                cluster_name prod-eu
                cluster_port 5801
                cluster_bind_address 127.0.0.1
                cluster_members 127.0.0.1:5802 host-b:5803
                cluster_members [::1]:5804
                cluster_discovery tcp
                cluster_node_id node-1
                cluster_backup_count 2
                cluster_link_port 5811
                """).cluster();
        assertThat(c.enabled()).isTrue();
        assertThat(c.name()).isEqualTo("prod-eu");
        assertThat(c.port()).isEqualTo(5801);
        assertThat(c.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(c.members()).containsExactly(new ClusterConfig.Member("127.0.0.1", 5802),
                new ClusterConfig.Member("host-b", 5803), new ClusterConfig.Member("::1", 5804));
        assertThat(c.members().get(2)).hasToString("[::1]:5804");
        assertThat(c.nodeId()).isEqualTo("node-1");
        assertThat(c.backupCount()).isEqualTo(2);
        assertThat(c.linkPort()).isEqualTo(5811);
        assertThat(c.locations().get("cluster_port")).hasToString(dir.resolve("tern.conf") + ":3");
    }

    @Test
    void discoveryChoices() throws Exception {
        assertThat(ConfigFiles.parse(dir, "cluster_name a\ncluster_discovery multicast\n").cluster().discovery())
                .isEqualTo(ClusterConfig.Discovery.MULTICAST);
        assertThat(ConfigFiles.parse(dir, "cluster_name a\ncluster_discovery kubernetes\n").cluster().discovery())
                .isEqualTo(ClusterConfig.Discovery.KUBERNETES);
    }

    @Test
    void badValuesNameFileLineAndReason() {
        refused("cluster_name a\ncluster_port 0\n", 2, "cluster_port: 0 is out of range (must be between 1 and 65535)");
        refused("cluster_name a\ncluster_port x\n", 2, "cluster_port: 'x' is not a number");
        refused("cluster_name a b\n", 1, "cluster_name: unexpected extra argument 'b'");
        refused("cluster_name a/b\n", 1, "cluster_name: 'a/b' must be 1 to 64 letters, digits, '.', '_' or '-' (it is part of topic names)");
        refused("cluster_name\n", 1, "cluster_name: missing value");
        refused("cluster_name a\ncluster_name b\n", 2, "cluster_name: duplicate value (already set at " + dir.resolve("tern.conf") + ":1)");
        refused("cluster_name a\ncluster_members host\n", 2, "cluster_members: 'host' is not host:port");
        refused("cluster_name a\ncluster_members host:99999\n", 2, "cluster_members: 99999 is out of range (must be between 1 and 65535)");
        refused("cluster_name a\ncluster_members [::1\n", 2, "cluster_members: '[::1' is not host:port ([v6addr]:port)");
        refused("cluster_name a\ncluster_discovery dns\n", 2, "cluster_discovery: 'dns' is not one of tcp, multicast, kubernetes");
        refused("cluster_name a\ncluster_backup_count 7\n", 2, "cluster_backup_count: 7 is out of range (must be between 0 and 6)");
        refused("cluster_name a\ncluster_node_id n#1\n", 2, "cluster_node_id: 'n#1' must be 1 to 64 letters, digits, '.', '_' or '-' (it is part of topic names)");
        refused("cluster_name a\ncluster_link_port 70000\n", 2, "cluster_link_port: 70000 is out of range (must be between 1 and 65535)");
        refused("cluster_name a\ncluster_link_port x\n", 2, "cluster_link_port: 'x' is not a number");
        refused("cluster_name a\ncluster_port 5801\ncluster_link_port 5801\n", 3,
                "cluster_link_port: 5801 is the cluster_port too (the message link needs a port of its own)");
        refused("cluster_link_port 5801\n", 1, "cluster_link_port: has no effect without cluster_name");
        refused("cluster_port 5701\n", 1, "cluster_port: has no effect without cluster_name");
        refused("cluster_name a\ncluster_discovery multicast\ncluster_members h:1\n", 3,
                "cluster_members: only used with cluster_discovery tcp (it is multicast)");
    }

    @Test
    void testConfigReportsEveryClusterProblem() {
        Path file = ConfigFiles.write(dir, "bad.conf",
                "cluster_port 99999\ncluster_backup_count -1\ncluster_node_id ok\ncluster_link_port 0\n");
        List<ConfigProblem> problems = ConfigParser.check(file);
        assertThat(problems).extracting(ConfigProblem::toString).containsExactly(
                file + ":1: cluster_port: 99999 is out of range (must be between 1 and 65535)",
                file + ":2: cluster_backup_count: '-1' is not a number",
                file + ":4: cluster_link_port: 0 is out of range (must be between 1 and 65535)",
                file + ":3: cluster_node_id: has no effect without cluster_name"); // whole-file checks come last
    }

    private void refused(String text, int line, String reason) {
        assertThatExceptionOfType(ConfigException.class)
                .isThrownBy(() -> ConfigFiles.parse(dir, text))
                .satisfies(e -> {
                    assertThat(e.line()).as(text).isEqualTo(line);
                    assertThat(e.getMessage()).as(text).isEqualTo(dir.resolve("tern.conf") + ":" + line + ": " + reason);
                });
    }
}
