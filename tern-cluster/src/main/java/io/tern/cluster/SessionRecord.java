package io.tern.cluster;

import java.io.Serializable;

/**
 * A client id's entry in the cluster's session map: which node has the session, whether its client is connected
 * there, and what a survivor needs if that node dies (subscriptions, expiry, the will). Written by the owning node
 * on connect, subscribe, unsubscribe and disconnect; public fields so Hazelcast predicates can query them.
 */
public final class SessionRecord implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Hazelcast member UUID of the node that has the session. */
    public String owner;
    /** That node's Tern node id, for logs. */
    public String ownerNode;
    public boolean connected;
    public long expirySeconds;
    public int protocolLevel;
    /** {@link ClusterWire#writeSubscription} entries: a count, then each. */
    public byte[] subscriptions;
    /** The will as a {@link ClusterWire} message, or null. */
    public byte[] will;
    public long willDelaySeconds;
    /**
     * A CONNECT of this client id in progress on some node ({@link Claim}): the member UUID, a token of that
     * connect, and until when (cluster time, ms) the claim holds if its node never finishes it. Null when none.
     */
    public String claimant;
    public String claimToken;
    public long claimUntil;

    SessionRecord copy() {
        SessionRecord r = new SessionRecord();
        r.owner = owner;
        r.ownerNode = ownerNode;
        r.connected = connected;
        r.expirySeconds = expirySeconds;
        r.protocolLevel = protocolLevel;
        r.subscriptions = subscriptions;
        r.will = will;
        r.willDelaySeconds = willDelaySeconds;
        r.claimant = claimant;
        r.claimToken = claimToken;
        r.claimUntil = claimUntil;
        return r;
    }

    public String getOwner() { return owner; }
}
