package io.tern.bench;

import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.util.List;

/**
 * A connection that subscribes to one filter and accounts for every message it receives: latency from the
 * payload's send time, and loss, duplicates and order through its own {@link SequenceTracker}. It
 * acknowledges QoS 1 (PUBACK) and QoS 2 (PUBREC, then PUBCOMP on PUBREL) at once.
 */
final class Subscriber extends Client {

    private final String filter;
    private final int qos;
    private final int runId;
    private final boolean anyRun;
    final SequenceTracker tracker = new SequenceTracker();

    /**
     * @param anyRun count messages from other tern-bench processes too (the sub scenario); otherwise only
     *               messages stamped with {@code runId} are tracked and the rest are "foreign"
     */
    Subscriber(String clientId, MqttVersion version, int keepAlive, Counters counters, String filter, int qos,
               int runId, boolean anyRun) {
        super(clientId, version, keepAlive, counters);
        this.filter = filter;
        this.qos = qos;
        this.runId = runId;
        this.anyRun = anyRun;
    }

    @Override
    void connected() {
        write(new Packet.Subscribe(1, List.of(new Packet.Subscription(filter, qos)), Properties.EMPTY));
        channel.flush();
    }

    @Override
    void onPacket(Packet p) {
        if (p instanceof Packet.Publish pub) {
            receive(pub);
        } else if (p instanceof Packet.PubRel rel) {
            write(new Packet.PubComp(rel.packetId(), 0, Properties.EMPTY));
        } else if (p instanceof Packet.SubAck ack) {
            int code = ack.reasonCodes().isEmpty() ? 0x80 : ack.reasonCodes().get(0);
            if (code >= 0x80) {
                fail("SUBSCRIBE to " + filter + " refused with code 0x" + Integer.toHexString(code));
            } else {
                if (code < qos) {
                    counters.error(clientId + ": subscription to " + filter + " granted QoS " + code
                            + " instead of " + qos);
                }
                markReady();
            }
        } else {
            super.onPacket(p);
        }
    }

    private void receive(Packet.Publish pub) {
        long now = System.nanoTime();
        counters.received.increment();
        counters.lastReceiveNanos = now;
        if (pub.qos() == 1) {
            write(new Packet.PubAck(pub.packetId(), 0, Properties.EMPTY));
        } else if (pub.qos() == 2) {
            write(new Packet.PubRec(pub.packetId(), 0, Properties.EMPTY));
        }
        byte[] b = pub.payload();
        if (!Stamp.fits(b) || (!anyRun && Stamp.runId(b) != runId)) {
            counters.foreign.increment();
            return;
        }
        long seq = Stamp.seq(b);
        if (seq < 0 || seq > Integer.MAX_VALUE) {
            counters.foreign.increment();
            return;
        }
        SequenceTracker.Outcome o = tracker.record(SequenceTracker.key(Stamp.runId(b), Stamp.publisherId(b)), seq);
        if (o != SequenceTracker.Outcome.DUPLICATE) {
            counters.distinct.increment();
            counters.latency(now - Stamp.nanoTime(b));
        }
    }
}
