package io.tern.cluster;

import com.hazelcast.map.EntryProcessor;

import java.io.Serializable;
import java.util.Map;

/**
 * Serialises CONNECTs of one client id across the cluster: atomically on the session record's partition, a node
 * claims the client id for the connect it is processing, unless another node's claim is still in force. The
 * winner then takes the session over from its owner as usual and clears the claim when it writes its own record
 * ({@link WriteRecord}); the other node retries, and so takes the session over from the winner. So two clients
 * connecting with the same id on two nodes at once end with exactly one connection owning the session.
 */
final class Claim implements EntryProcessor<String, SessionRecord, Claim.Result> {

    private static final long serialVersionUID = 1L;

    /** {@code busy}: another connect holds the client id ({@code holder}); else the record before the claim. */
    record Result(boolean busy, String holder, SessionRecord before) implements Serializable {
    }

    private final String claimant;
    private final String token;
    private final long now;
    private final long until;
    /** Take the claim even from another holder (that holder's node is gone). */
    private final boolean force;

    Claim(String claimant, String token, long now, long until, boolean force) {
        this.claimant = claimant;
        this.token = token;
        this.now = now;
        this.until = until;
        this.force = force;
    }

    @Override
    public Result process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord r = entry.getValue();
        if (r != null && r.claimToken != null && !r.claimToken.equals(token) && r.claimUntil > now && !force) {
            return new Result(true, r.claimant, null);
        }
        SessionRecord before = r == null ? null : r.copy();
        SessionRecord next = r == null ? new SessionRecord() : r;
        next.claimant = claimant;
        next.claimToken = token;
        next.claimUntil = until;
        entry.setValue(next);
        return new Result(false, null, before == null || before.owner == null ? null : before);
    }
}
