package io.tern.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.ReplicatedMapConfig;
import com.hazelcast.spi.merge.LatestUpdateMergePolicy;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import io.tern.broker.config.ClusterConfig;

/**
 * The Hazelcast member configuration for a Tern node, from the {@code cluster_*} options. Only open-source
 * features: no CP subsystem, no member TLS (run the cluster port on a private network).
 */
final class HazelcastSetup {

    /** Retained messages by topic (partitioned, with backups). */
    static final String RETAINED = "tern.retained";
    /** Session records by client id (owner node, subscriptions, will), with backups. */
    static final String SESSIONS = "tern.sessions";
    /** "member uuid|filter" for every filter some node has subscribers for, replicated to every member. */
    static final String ROUTES = "tern.routes";
    /** The member attribute carrying the port of the node's message link ({@link MemberLinks}). */
    static final String LINK_ATTRIBUTE = "tern.link";
    /** The member attribute carrying the Tern node id. */
    static final String NODE_ATTRIBUTE = "tern.node";

    /**
     * Adjusts each member's configuration before it starts, by node id; for tests only (the split-brain test
     * routes member traffic through proxies it can cut, so a member advertises the proxy's address).
     */
    static volatile java.util.function.BiConsumer<String, Config> testTweak = (nodeId, config) -> { };

    private HazelcastSetup() {
    }

    static Config config(ClusterConfig c, String nodeId) {
        Config config = new Config();
        config.setClusterName(c.name());
        config.setInstanceName("tern-" + c.name() + "-" + nodeId + "-" + System.nanoTime());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        // the broker's own shutdown closes the member, after clients are told
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.getMemberAttributeConfig().setAttribute(NODE_ATTRIBUTE, nodeId);
        config.getJetConfig().setEnabled(false);

        NetworkConfig net = config.getNetworkConfig();
        net.setPort(c.port()).setPortAutoIncrement(false);
        if (c.bindAddress() != null) {
            net.getInterfaces().setEnabled(true).addInterface(c.bindAddress());
            config.setProperty("hazelcast.local.localAddress", c.bindAddress());
            config.setProperty("hazelcast.socket.bind.any", "false");
        }
        JoinConfig join = net.getJoin();
        join.getAutoDetectionConfig().setEnabled(false);
        join.getMulticastConfig().setEnabled(c.discovery() == ClusterConfig.Discovery.MULTICAST);
        join.getTcpIpConfig().setEnabled(c.discovery() == ClusterConfig.Discovery.TCP);
        for (ClusterConfig.Member m : c.members()) {
            join.getTcpIpConfig().addMember(m.toString());
        }
        if (c.discovery() == ClusterConfig.Discovery.KUBERNETES) {
            join.getKubernetesConfig().setEnabled(true);
        }

        // split brain: when the halves meet again, per key the most recently written value wins (a retained
        // message set last, the session record of the node the client connected to last)
        MergePolicyConfig latest = new MergePolicyConfig(LatestUpdateMergePolicy.class.getName(), 100);
        config.addMapConfig(new MapConfig(RETAINED).setBackupCount(c.backupCount()).setPerEntryStatsEnabled(true)
                .setMergePolicyConfig(new MergePolicyConfig(NewestRetainedMergePolicy.class.getName(), 100)));
        config.addMapConfig(new MapConfig(SESSIONS).setBackupCount(c.backupCount()).setPerEntryStatsEnabled(true)
                .setMergePolicyConfig(latest));
        config.addReplicatedMapConfig(new ReplicatedMapConfig(ROUTES)
                .setMergePolicyConfig(new MergePolicyConfig(PutIfAbsentMergePolicy.class.getName(), 100)));
        testTweak.accept(nodeId, config);
        return config;
    }
}
