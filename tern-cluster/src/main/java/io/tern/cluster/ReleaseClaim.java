package io.tern.cluster;

import com.hazelcast.map.EntryProcessor;

import java.util.Map;

/** Ends a {@link Claim} whose connect did not bind a session (the client went away first). */
final class ReleaseClaim implements EntryProcessor<String, SessionRecord, Boolean> {

    private static final long serialVersionUID = 1L;

    private final String token;

    ReleaseClaim(String token) {
        this.token = token;
    }

    @Override
    public Boolean process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord r = entry.getValue();
        if (r == null || !token.equals(r.claimToken)) {
            return false;
        }
        if (r.owner == null) {
            entry.setValue(null); // a record that only carried the claim
        } else {
            r.claimant = null;
            r.claimToken = null;
            r.claimUntil = 0;
            entry.setValue(r);
        }
        return true;
    }
}
