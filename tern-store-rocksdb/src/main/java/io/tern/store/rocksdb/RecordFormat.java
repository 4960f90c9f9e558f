package io.tern.store.rocksdb;

import io.tern.broker.store.QueueEntry;
import io.tern.broker.store.StoredMessage;
import io.tern.broker.store.StoredSession;
import io.tern.broker.store.StoredSession.StoredSubscription;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import io.tern.codec.UserProperty;

import java.util.ArrayList;
import java.util.List;

/**
 * The binary layout of every stored value (format version {@link #VERSION}). Changing any layout here means
 * a new version number: a store written by an unknown version is refused rather than misread. Version 2 added
 * the source of a retained message ({@code check_retain_source}) and a session's last outgoing packet id; a
 * version 1 record, which has neither, reads as before. Version 3 added the inline queue entry
 * ({@link #FLAG_INLINE}: the message record follows the entry's own fields, and there is no {@code messages} or
 * {@code message-refs} record for it) and stopped writing {@code queue-counts}; a version 1 or 2 entry has no
 * such flag and reads as a reference to its message, as before.
 */
final class RecordFormat {

    /** Written to the meta column family when a store is created. */
    static final int VERSION = 3;
    /** The oldest version this code reads (and upgrades to {@link #VERSION} on open). */
    static final int OLDEST_READABLE = 1;

    // Fixed offsets in a queue entry value, so markSent/markReleased patch bytes instead of re-encoding.
    static final int ENTRY_FLAGS = 9;
    static final int ENTRY_PACKET_ID = 10;
    static final int FLAG_RETAIN = 1;
    static final int FLAG_RELEASED = 2;
    /** Version 3: the entry carries its message (the only durable reference to it) after its own fields. */
    static final int FLAG_INLINE = 4;

    private static final int FLAG_HAS_PUBLISHER = 2;
    private static final int FLAG_HAS_SOURCE = 4;
    private static final int FLAG_NO_LOCAL = 1;
    private static final int FLAG_RETAIN_AS_PUBLISHED = 2;
    private static final int MAX_COUNT = 1 << 24;

    private RecordFormat() {
    }

    // ---- messages (also the retained column family) ----

    static byte[] message(StoredMessage m) {
        ByteWriter w = new ByteWriter(m.topic().length() + m.payload().length + 48
                + (m.publisherId() == null ? 0 : m.publisherId().length()));
        message(w, m);
        return w.toArray();
    }

    private static void message(ByteWriter w, StoredMessage m) {
        w.string(m.topic()).bytes(m.payload()).u8(m.qos());
        int flags = (m.retain() ? FLAG_RETAIN : 0) | (m.publisherId() != null ? FLAG_HAS_PUBLISHER : 0)
                | (m.source() != null ? FLAG_HAS_SOURCE : 0);
        w.u8(flags);
        if (m.publisherId() != null) {
            w.string(m.publisherId());
        }
        if (m.source() != null) {
            w.u8(m.source().username() != null ? 1 : 0);
            if (m.source().username() != null) {
                w.string(m.source().username());
            }
            w.u16(m.source().listenerPort());
        }
        w.i64(m.expiryEpochMillis());
        properties(w, m.properties());
    }

    static StoredMessage message(byte[] value) {
        ByteReader r = new ByteReader(value);
        StoredMessage m = message(r);
        r.end();
        return m;
    }

    private static StoredMessage message(ByteReader r) {
        String topic = r.string();
        byte[] payload = r.bytes();
        int qos = qos(r.u8());
        int flags = r.u8();
        String publisher = (flags & FLAG_HAS_PUBLISHER) != 0 ? r.string() : null;
        StoredMessage.Source source = null;
        if ((flags & FLAG_HAS_SOURCE) != 0) {
            String username = r.u8() != 0 ? r.string() : null;
            source = new StoredMessage.Source(username, r.u16());
        }
        long expiry = r.i64();
        Properties props = properties(r);
        return new StoredMessage(topic, payload, qos, (flags & FLAG_RETAIN) != 0, props, publisher, expiry, source);
    }

    // ---- MQTT 5 properties: a count, then id + typed value for each, repeating ones repeated ----

    static void properties(ByteWriter w, Properties p) {
        if (p == null || p.isEmpty()) {
            w.varint(0);
            return;
        }
        List<PropertyId> single = p.presentSingleValued();
        w.varint(single.size() + p.subscriptionIdentifiers().size() + p.userProperties().size());
        for (PropertyId id : single) {
            w.u8(id.id());
            Object v = p.get(id);
            switch (id.wireType()) {
                case BYTE, TWO_BYTE, VARIABLE_INT -> w.varint(((Integer) v) & 0xFFFFFFFFL);
                case FOUR_BYTE -> w.varint((Long) v);
                case UTF8 -> w.string((String) v);
                case BINARY -> w.bytes((byte[]) v);
                case UTF8_PAIR -> throw new IllegalStateException("pair property " + id + " stored as single");
            }
        }
        for (int sid : p.subscriptionIdentifiers()) {
            w.u8(PropertyId.SUBSCRIPTION_IDENTIFIER.id()).varint(sid & 0xFFFFFFFFL);
        }
        for (UserProperty u : p.userProperties()) {
            w.u8(PropertyId.USER_PROPERTY.id()).string(u.name()).string(u.value());
        }
    }

    static Properties properties(ByteReader r) {
        int n = r.count(MAX_COUNT);
        if (n == 0) {
            return Properties.EMPTY;
        }
        Properties.Builder b = Properties.builder();
        for (int i = 0; i < n; i++) {
            int raw = r.u8();
            PropertyId id = PropertyId.of(raw);
            if (id == null) {
                throw new CorruptRecordException("unknown property id " + raw);
            }
            Object v = switch (id.wireType()) {
                case BYTE, TWO_BYTE, VARIABLE_INT -> (int) r.varint();
                case FOUR_BYTE -> r.varint();
                case UTF8 -> r.string();
                case BINARY -> r.bytes();
                case UTF8_PAIR -> new UserProperty(r.string(), r.string());
            };
            b.put(id, v);
        }
        return b.build();
    }

    // ---- queue entries ----

    /** An entry referring to its message's {@code messages} record. */
    static byte[] entry(QueueEntry e) {
        return entry(e, null);
    }

    /**
     * An entry; with {@code inline} not null (format 3) the message record follows the entry's fields, and the
     * entry is its only durable copy.
     */
    static byte[] entry(QueueEntry e, StoredMessage inline) {
        int[] sids = e.subscriptionIds() == null ? new int[0] : e.subscriptionIds();
        int size = 13 + sids.length * 2;
        if (inline != null) {
            // UTF-8 may take more than a byte per char: the writer grows then, which it rarely needs to
            size += inline.topic().length() + inline.payload().length + 48
                    + (inline.publisherId() == null ? 0 : inline.publisherId().length());
        }
        ByteWriter w = new ByteWriter(size);
        w.i64(e.messageId()).u8(e.qos());
        w.u8((e.retain() ? FLAG_RETAIN : 0) | (e.released() ? FLAG_RELEASED : 0)
                | (inline != null ? FLAG_INLINE : 0));
        w.u16(e.packetId());
        w.varint(sids.length);
        for (int sid : sids) {
            w.varint(sid & 0xFFFFFFFFL);
        }
        if (inline != null) {
            message(w, inline);
        }
        return w.toArray();
    }

    /** Whether an entry value carries its message (checks the length before the fixed offset). */
    static boolean entryInline(byte[] value) {
        if (value.length < 12) {
            throw new CorruptRecordException("queue entry of " + value.length + " bytes is too short");
        }
        return (value[ENTRY_FLAGS] & FLAG_INLINE) != 0;
    }

    /** Decodes an entry value; {@code seq} comes from its key. */
    static QueueEntry entry(long seq, byte[] value) {
        ByteReader r = new ByteReader(value);
        long messageId = r.i64();
        int qos = qos(r.u8());
        int flags = r.u8();
        int packetId = r.u16();
        int n = r.count(MAX_COUNT);
        int[] sids = new int[n];
        for (int i = 0; i < n; i++) {
            sids[i] = (int) r.varint();
        }
        StoredMessage inline = (flags & FLAG_INLINE) != 0 ? message(r) : null;
        r.end();
        return new QueueEntry(seq, messageId, qos, (flags & FLAG_RETAIN) != 0, sids, packetId,
                (flags & FLAG_RELEASED) != 0, inline);
    }

    /** The message id of an entry value without decoding the rest. */
    static long entryMessageId(byte[] value) {
        if (value.length < 12) {
            throw new CorruptRecordException("queue entry of " + value.length + " bytes is too short");
        }
        return new ByteReader(value).i64();
    }

    // ---- sessions ----

    static byte[] session(StoredSession s) {
        ByteWriter w = new ByteWriter(64);
        w.u8(s.protocolLevel()).i64(s.expirySeconds()).i64(s.disconnectedAtEpochMillis());
        List<StoredSubscription> subs = s.subscriptions() == null ? List.of() : s.subscriptions();
        w.varint(subs.size());
        for (StoredSubscription sub : subs) {
            w.string(sub.filter()).u8(sub.qos());
            w.u8((sub.noLocal() ? FLAG_NO_LOCAL : 0) | (sub.retainAsPublished() ? FLAG_RETAIN_AS_PUBLISHED : 0));
            w.u8(sub.retainHandling()).varint(sub.subscriptionId() & 0xFFFFFFFFL);
        }
        w.u16(s.lastPacketId());
        return w.toArray();
    }

    /** Decodes a session value; the client id comes from its key. */
    static StoredSession session(String clientId, byte[] value) {
        ByteReader r = new ByteReader(value);
        int level = r.u8();
        long expiry = r.i64();
        long disconnectedAt = r.i64();
        int n = r.count(MAX_COUNT);
        List<StoredSubscription> subs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String filter = r.string();
            int qos = qos(r.u8());
            int flags = r.u8();
            int rh = r.u8();
            int sid = (int) r.varint();
            subs.add(new StoredSubscription(filter, qos, (flags & FLAG_NO_LOCAL) != 0,
                    (flags & FLAG_RETAIN_AS_PUBLISHED) != 0, rh, sid));
        }
        int lastPacketId = r.more() ? r.u16() : 0; // version 1 records end with the subscriptions
        r.end();
        return new StoredSession(clientId, level, expiry, disconnectedAt, List.copyOf(subs), lastPacketId);
    }

    private static int qos(int v) {
        if (v > 2) {
            throw new CorruptRecordException("QoS " + v);
        }
        return v;
    }
}
