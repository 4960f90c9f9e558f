package io.tern.client;

import java.util.BitSet;
import java.util.function.IntSupplier;

/**
 * Packet identifiers 1..65535. An identifier is handed out again only after {@link #release} — the flow that used
 * it (PUBACK, PUBCOMP, SUBACK, UNSUBACK) completed — so a late acknowledgement can never be taken for a new flow's.
 */
final class PacketIds {

    private final BitSet used = new BitSet(65536);
    private int next = 1;
    /** Where new identifiers come from first ({@link SessionState#packetIdsFrom}); null: this counter. */
    IntSupplier source;

    /** A free identifier, or -1 when all 65535 are in use. */
    int acquire() {
        if (source != null) {
            for (int i = 0; i < 16; i++) {
                int id = source.getAsInt();
                if (id < 1 || id > 65535) {
                    break; // the source has none now: this counter's
                }
                if (!used.get(id)) {
                    used.set(id);
                    return id;
                }
            }
        }
        for (int i = 0; i < 65535; i++) {
            int id = next;
            next = next == 65535 ? 1 : next + 1;
            if (!used.get(id)) {
                used.set(id);
                return id;
            }
        }
        return -1;
    }

    /** Marks an identifier as in use (a flow restored from an earlier connection). */
    void claim(int id) {
        used.set(id);
    }

    void release(int id) {
        used.clear(id);
    }

    boolean inUse(int id) {
        return used.get(id);
    }

    int inUseCount() {
        return used.cardinality();
    }
}
