package io.tern.cluster;

import com.hazelcast.map.EntryProcessor;

import java.util.Map;

/**
 * Writes a node's session record, keeping another node's pending {@link Claim} on the client id (a plain put
 * would erase it and let a third connect through); the writer's own claim, if {@code releasing} names it, ends.
 */
final class WriteRecord implements EntryProcessor<String, SessionRecord, Boolean> {

    private static final long serialVersionUID = 1L;

    private final SessionRecord record;
    private final String releasing;

    WriteRecord(SessionRecord record, String releasing) {
        this.record = record;
        this.releasing = releasing;
    }

    @Override
    public Boolean process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord cur = entry.getValue();
        SessionRecord next = record.copy();
        if (cur != null && cur.claimToken != null && !cur.claimToken.equals(releasing)) {
            next.claimant = cur.claimant;
            next.claimToken = cur.claimToken;
            next.claimUntil = cur.claimUntil;
        } else {
            next.claimant = null;
            next.claimToken = null;
            next.claimUntil = 0;
        }
        entry.setValue(next);
        return true;
    }
}
