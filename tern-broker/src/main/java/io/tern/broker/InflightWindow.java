package io.tern.broker;

import java.util.Arrays;

/**
 * A session's outbound QoS 1/2 messages by packet id: an array indexed by the id itself, allocated on first
 * use and doubled as the window grows (up to all 65,535 ids). Packet ids are handed out in turn from the
 * table's range and the table is kept at most half full, so finding a free id takes a step or two and get,
 * put and remove are one array access.
 *
 * <p>It replaces a hash map: with sequential ids in an open-addressing table, a window of tens of thousands
 * (max_inflight_messages 0) formed one long cluster that every removal walked (JFR: 75 % of the broker's
 * samples in {@code IntObjectHashMap.removeAt} during fan-in QoS 1). Not thread-safe: the session's loop only.
 */
final class InflightWindow {

    private static final int FIRST = 32;
    /** Ids 1..65535 and the unused slot 0. */
    private static final int MAX = 65_536;

    private Session.Inflight[] slots;
    private int size;
    private int next = 1;

    int size() { return size; }

    boolean isEmpty() { return size == 0; }

    Session.Inflight get(int id) {
        Session.Inflight[] s = slots;
        return s != null && id > 0 && id < s.length ? s[id] : null;
    }

    boolean containsKey(int id) { return get(id) != null; }

    /** Stores {@code f} under {@code id} (1..65535), growing the table to cover the id. */
    void put(int id, Session.Inflight f) {
        if (id < 1 || id >= MAX) {
            throw new IllegalArgumentException("packet id out of range: " + id);
        }
        ensure(id + 1);
        if (slots[id] == null) {
            size++;
        }
        slots[id] = f;
    }

    Session.Inflight remove(int id) {
        Session.Inflight f = get(id);
        if (f != null) {
            slots[id] = null;
            size--;
        }
        return f;
    }

    void clear() {
        slots = null;
        size = 0;
        next = 1;
    }

    /** A packet id not in use, taken in turn so a just-acknowledged id is not reused at once. */
    int allocate() {
        if (slots == null || (size + 1) * 2 > slots.length && slots.length < MAX) {
            ensure(slots == null ? FIRST : slots.length * 2);
        }
        int n = slots.length;
        for (int tries = 1; tries < n; tries++) {
            int id = next;
            next = next + 1 >= n ? 1 : next + 1;
            if (slots[id] == null) {
                return id;
            }
        }
        throw new IllegalStateException("no free packet id");
    }

    /** The ids in use, in id order. */
    int[] ids() {
        int[] ids = new int[size];
        if (slots != null) {
            int n = 0;
            for (int id = 1; id < slots.length && n < size; id++) {
                if (slots[id] != null) {
                    ids[n++] = id;
                }
            }
        }
        return ids;
    }

    private void ensure(int length) {
        int cap = slots == null ? FIRST : slots.length;
        while (cap < length) {
            cap *= 2;
        }
        cap = Math.min(cap, MAX);
        if (slots == null) {
            slots = new Session.Inflight[cap];
        } else if (cap > slots.length) {
            slots = Arrays.copyOf(slots, cap);
        }
    }
}
