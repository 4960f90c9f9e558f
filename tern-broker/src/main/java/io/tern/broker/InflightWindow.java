package io.tern.broker;

import java.util.Arrays;

/**
 * A session's outbound QoS 1/2 messages by packet id: a power-of-two table indexed by {@code id & mask}, allocated
 * on first use and doubled as the window grows (up to all 65,535 ids). Packet ids are handed out in turn over the
 * whole range 1..65535, as Mosquitto numbers a client's messages; the table is kept at most half full, so an id
 * whose slot is taken by an older straggler is rare and simply skipped, and get, put and remove are one array
 * access.
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
    /** The id held in each slot (0 when empty). */
    private int[] keys;
    private int size;
    private int next = 1;

    int size() { return size; }

    boolean isEmpty() { return size == 0; }

    Session.Inflight get(int id) {
        int[] k = keys;
        if (k == null || id <= 0) {
            return null;
        }
        int i = id & (k.length - 1);
        return k[i] == id ? slots[i] : null;
    }

    boolean containsKey(int id) { return get(id) != null; }

    /** Stores {@code f} under {@code id} (1..65535), growing the table until the id has a slot of its own. */
    void put(int id, Session.Inflight f) {
        if (id < 1 || id >= MAX) {
            throw new IllegalArgumentException("packet id out of range: " + id);
        }
        if (keys == null) {
            grow(FIRST);
        }
        while (true) {
            int i = id & (keys.length - 1);
            if (keys[i] == id) {
                slots[i] = f;
                return;
            }
            if (keys[i] == 0 && (size + 1) * 2 <= keys.length || keys.length == MAX && keys[i] == 0) {
                keys[i] = id;
                slots[i] = f;
                size++;
                return;
            }
            grow(keys.length * 2);
        }
    }

    Session.Inflight remove(int id) {
        Session.Inflight f = get(id);
        if (f != null) {
            int i = id & (keys.length - 1);
            keys[i] = 0;
            slots[i] = null;
            size--;
        }
        return f;
    }

    void clear() {
        slots = null;
        keys = null;
        size = 0;
        next = 1;
    }

    /**
     * The id handed out (or passed over) last, which a persistent session stores: 0 when the next is 1, which
     * is the same after a restart whether nothing was handed out yet or 65535 was.
     */
    int lastAllocated() {
        return next - 1;
    }

    /** After a restart: numbering goes on after {@code last}, as Mosquitto's does (its stored last_mid). */
    void resumeAfter(int last) {
        if (last >= 1 && last < MAX) {
            next = last;
            skip();
        }
    }

    /** Passes over the next id, as when a queued message expired before it was sent (Mosquitto numbering). */
    void skip() {
        next = next == MAX - 1 ? 1 : next + 1;
    }

    /** A packet id not in use, taken in turn so a just-acknowledged id is not reused at once. */
    int allocate() {
        if (keys == null || (size + 1) * 2 > keys.length && keys.length < MAX) {
            grow(keys == null ? FIRST : keys.length * 2);
        }
        int mask = keys.length - 1;
        for (int tries = 0; tries < MAX - 1; tries++) {
            int id = next;
            skip();
            if (keys[id & mask] == 0) {
                return id;
            }
        }
        throw new IllegalStateException("no free packet id");
    }

    /** The ids in use, in id order. */
    int[] ids() {
        int[] ids = new int[size];
        if (keys != null) {
            int n = 0;
            for (int k : keys) {
                if (k != 0) {
                    ids[n++] = k;
                }
            }
            Arrays.sort(ids);
        }
        return ids;
    }

    /** Doubling keeps ids that had distinct slots distinct: a == b (mod 2n) implies a == b (mod n). */
    private void grow(int length) {
        int cap = Math.min(Math.max(length, FIRST), MAX);
        int[] oldKeys = keys;
        Session.Inflight[] oldSlots = slots;
        keys = new int[cap];
        slots = new Session.Inflight[cap];
        if (oldKeys != null) {
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != 0) {
                    int j = oldKeys[i] & (cap - 1);
                    keys[j] = oldKeys[i];
                    slots[j] = oldSlots[i];
                }
            }
        }
    }
}
