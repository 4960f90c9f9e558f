package io.tern.cluster;

import com.hazelcast.map.EntryProcessor;

import java.util.Map;

/** Removes a session record only if the given node still owns it (the client may have moved on meanwhile). */
final class RemoveIfOwner implements EntryProcessor<String, SessionRecord, Boolean> {

    private static final long serialVersionUID = 1L;

    private final String owner;

    RemoveIfOwner(String owner) {
        this.owner = owner;
    }

    @Override
    public Boolean process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord r = entry.getValue();
        if (r != null && owner.equals(r.owner)) {
            if (r.claimToken != null) {
                // another node's connect is claiming the id: the session goes, the claim stays
                SessionRecord claimOnly = new SessionRecord();
                claimOnly.claimant = r.claimant;
                claimOnly.claimToken = r.claimToken;
                claimOnly.claimUntil = r.claimUntil;
                entry.setValue(claimOnly);
            } else {
                entry.setValue(null);
            }
            return true;
        }
        return false;
    }
}
