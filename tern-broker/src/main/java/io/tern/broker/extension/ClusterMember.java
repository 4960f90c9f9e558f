package io.tern.broker.extension;

/**
 * One node of the cluster as this node sees it, for the admin API and the console.
 *
 * @param nodeId  the node's {@code cluster_node_id} (or its member address when none was set)
 * @param address the member-to-member address ({@code host:port})
 * @param local   whether it is this node
 */
public record ClusterMember(String nodeId, String address, boolean local) {
}
