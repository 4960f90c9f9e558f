package io.tern.cluster;

import com.hazelcast.map.EntryProcessor;

import java.util.Map;

/**
 * Marks the session records of a node that shuts down cleanly as offline without a will: the broker's shutdown
 * does not publish wills (as Mosquitto), so the survivor that adopts the sessions must not either.
 */
final class MarkOffline implements EntryProcessor<String, SessionRecord, Boolean> {

    private static final long serialVersionUID = 1L;

    @Override
    public Boolean process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord r = entry.getValue();
        if (r == null) {
            return false;
        }
        r.connected = false;
        r.will = null;
        entry.setValue(r);
        return true;
    }
}
