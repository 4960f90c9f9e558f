package io.tern.cluster;

import io.tern.broker.Message;
import io.tern.broker.SessionState;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import io.tern.codec.UserProperty;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes Tern nodes exchange: messages (with their MQTT 5 properties and the expiry that is left), session
 * states. A compact format of our own rather than Java serialization: a forwarded batch costs about the size of
 * its PUBLISH packets. Expiry travels as time left, since {@code nanoTime} means nothing on another machine.
 */
final class ClusterWire {

    private ClusterWire() {
    }

    static void writeMessage(DataOutputStream out, Message m) throws IOException {
        out.writeUTF(m.topic());
        out.writeByte(m.qos() | (m.retain() ? 4 : 0) | (m.publisherId() != null ? 8 : 0));
        if (m.publisherId() != null) {
            out.writeUTF(m.publisherId());
        }
        long left = m.expiryNanos() == Long.MAX_VALUE ? -1 : Math.max(0, m.expiryNanos() - System.nanoTime());
        out.writeLong(left);
        out.writeInt(m.payload().length);
        out.write(m.payload());
        writeProperties(out, m.properties());
    }

    static Message readMessage(DataInputStream in) throws IOException {
        String topic = in.readUTF();
        int flags = in.readUnsignedByte();
        String publisher = (flags & 8) != 0 ? in.readUTF() : null;
        long left = in.readLong();
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        Properties props = readProperties(in);
        long now = System.nanoTime();
        return new Message(topic, payload, flags & 3, (flags & 4) != 0, props, publisher, now,
                left < 0 ? Long.MAX_VALUE : now + left);
    }

    static void writeProperties(DataOutputStream out, Properties p) throws IOException {
        if (p.isEmpty()) {
            out.writeByte(0);
            return;
        }
        List<PropertyId> single = p.presentSingleValued();
        out.writeByte(single.size() + (p.userProperties().isEmpty() ? 0 : 1));
        for (PropertyId id : single) {
            out.writeByte(id.id());
            Object v = p.get(id);
            switch (id.wireType()) {
                case BYTE, TWO_BYTE, VARIABLE_INT -> out.writeInt((Integer) v);
                case FOUR_BYTE -> out.writeLong((Long) v);
                case UTF8 -> out.writeUTF((String) v);
                case BINARY -> {
                    byte[] b = (byte[]) v;
                    out.writeInt(b.length);
                    out.write(b);
                }
                case UTF8_PAIR -> throw new IllegalStateException("user properties are not single-valued");
            }
        }
        if (!p.userProperties().isEmpty()) {
            out.writeByte(PropertyId.USER_PROPERTY.id());
            out.writeInt(p.userProperties().size());
            for (UserProperty u : p.userProperties()) {
                out.writeUTF(u.name());
                out.writeUTF(u.value());
            }
        }
    }

    static Properties readProperties(DataInputStream in) throws IOException {
        int n = in.readUnsignedByte();
        if (n == 0) {
            return Properties.EMPTY;
        }
        Properties.Builder b = Properties.builder();
        for (int i = 0; i < n; i++) {
            PropertyId id = PropertyId.of(in.readUnsignedByte());
            switch (id.wireType()) {
                case BYTE, TWO_BYTE, VARIABLE_INT -> b.put(id, in.readInt());
                case FOUR_BYTE -> b.put(id, in.readLong());
                case UTF8 -> b.put(id, in.readUTF());
                case BINARY -> {
                    byte[] v = new byte[in.readInt()];
                    in.readFully(v);
                    b.put(id, v);
                }
                case UTF8_PAIR -> {
                    int count = in.readInt();
                    for (int k = 0; k < count; k++) {
                        b.userProperty(in.readUTF(), in.readUTF());
                    }
                }
            }
        }
        return b.build();
    }

    static byte[] message(Message m) {
        return write(out -> writeMessage(out, m));
    }

    static Message message(byte[] bytes) {
        return read(bytes, ClusterWire::readMessage);
    }

    /**
     * A retained message as cluster state: with the wall-clock time it was written, so a node that reads it later
     * (one that joins) counts its Message Expiry Interval from the publication, not from the read.
     */
    static byte[] retained(Message m) {
        return write(out -> {
            out.writeLong(System.currentTimeMillis());
            writeMessage(out, m);
        });
    }

    static Message retained(byte[] bytes) {
        return read(bytes, in -> {
            long written = in.readLong();
            Message m = readMessage(in);
            if (m.expiryNanos() == Long.MAX_VALUE) {
                return m;
            }
            long aged = Math.max(0, System.currentTimeMillis() - written) * 1_000_000L;
            return new Message(m.topic(), m.payload(), m.qos(), m.retain(), m.properties(), m.publisherId(),
                    m.createdNanos() - aged, m.expiryNanos() - aged);
        });
    }

    static byte[] sessionState(SessionState s) {
        return write(out -> {
            out.writeUTF(s.clientId());
            out.writeByte(s.protocolLevel());
            out.writeLong(s.expirySeconds());
            out.writeInt(s.subscriptions().size());
            for (SessionState.Subscription sub : s.subscriptions()) {
                writeSubscription(out, sub);
            }
            out.writeInt(s.pending().size());
            for (SessionState.Pending p : s.pending()) {
                writeMessage(out, p.message());
                out.writeByte(p.qos() | (p.retain() ? 4 : 0) | (p.released() ? 8 : 0));
                out.writeShort(p.packetId());
                int[] ids = p.subscriptionIds() == null ? new int[0] : p.subscriptionIds();
                out.writeByte(ids.length);
                for (int id : ids) {
                    out.writeInt(id);
                }
            }
        });
    }

    static SessionState sessionState(byte[] bytes) {
        return read(bytes, in -> {
            String clientId = in.readUTF();
            int level = in.readUnsignedByte();
            long expiry = in.readLong();
            int n = in.readInt();
            List<SessionState.Subscription> subs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                subs.add(readSubscription(in));
            }
            int m = in.readInt();
            List<SessionState.Pending> pending = new ArrayList<>(m);
            for (int i = 0; i < m; i++) {
                Message msg = readMessage(in);
                int flags = in.readUnsignedByte();
                int packetId = in.readUnsignedShort();
                int[] ids = new int[in.readUnsignedByte()];
                for (int k = 0; k < ids.length; k++) {
                    ids[k] = in.readInt();
                }
                pending.add(new SessionState.Pending(msg, flags & 3, (flags & 4) != 0, ids.length == 0 ? null : ids,
                        packetId, (flags & 8) != 0));
            }
            return new SessionState(clientId, level, expiry, subs, pending);
        });
    }

    static void writeSubscription(DataOutputStream out, SessionState.Subscription sub) throws IOException {
        out.writeUTF(sub.filter());
        out.writeByte(sub.qos() | (sub.noLocal() ? 4 : 0) | (sub.retainAsPublished() ? 8 : 0)
                | (sub.retainHandling() << 4));
        out.writeInt(sub.subscriptionId());
    }

    static SessionState.Subscription readSubscription(DataInputStream in) throws IOException {
        String filter = in.readUTF();
        int flags = in.readUnsignedByte();
        return new SessionState.Subscription(filter, flags & 3, (flags & 4) != 0, (flags & 8) != 0, flags >> 4,
                in.readInt());
    }

    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    static byte[] write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static <T> T read(byte[] bytes, Reader<T> r) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return r.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt cluster data: " + e.getMessage(), e);
        }
    }
}
