package io.tern.bench;

import io.netty.channel.ChannelHandlerContext;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection that publishes stamped messages ({@link Stamp}) to one topic: as fast as the socket and
 * the in-flight window allow, or paced to a rate. QoS 1 and 2 publishes are limited to {@code inflight}
 * unacknowledged at a time; QoS 0 ones stop while the channel is not writable, so the bench never queues
 * more than Netty's write buffer.
 */
final class Publisher extends Client {

    /** Publishes per event-loop task before yielding to the loop's other channels. */
    private static final int BURST = 64;

    final int id;
    private final int runId;
    private final String topic;
    private final int qos;
    private final int payloadSize;
    private final long limit;
    private final int maxInflight;
    private final double perNano;
    private final boolean[] inUse = new boolean[65_536];
    private int nextPacketId = 1;
    private int inflight;
    private long seq;
    private long ackedCount;
    private long startNanos;
    private boolean started;
    private boolean stopped;
    private boolean pumpQueued;
    private ScheduledFuture<?> tick;
    /** Set once everything is sent and acknowledged (or the run stopped and in-flight drained). */
    volatile boolean finished;

    /**
     * @param limit messages to send, {@link Long#MAX_VALUE} for no limit
     * @param rate  messages per second for this publisher, 0 for as fast as possible
     */
    Publisher(String clientId, MqttVersion version, int keepAlive, Counters counters, int id, int runId,
              String topic, int qos, int payloadSize, long limit, int maxInflight, double rate) {
        super(clientId, version, keepAlive, counters);
        this.id = id;
        this.runId = runId;
        this.topic = topic;
        this.qos = qos;
        this.payloadSize = payloadSize;
        this.limit = limit;
        this.maxInflight = maxInflight;
        this.perNano = rate / 1e9;
    }

    /** Starts publishing; on the event loop. */
    void start() {
        started = true;
        startNanos = System.nanoTime();
        if (perNano > 0) {
            // tick often enough for an even stream, but not more than once a millisecond
            long periodNanos = (long) Math.min(100_000_000, Math.max(1_000_000, 1 / perNano));
            tick = channel.eventLoop().scheduleAtFixedRate(this::pump, 0, periodNanos, TimeUnit.NANOSECONDS);
        } else {
            pump();
        }
    }

    /** Stops publishing new messages; on the event loop. In-flight ones may still be acknowledged. */
    void stop() {
        stopped = true;
        if (tick != null) {
            tick.cancel(false);
        }
        checkFinished();
    }

    /** Messages sent. Read on the event loop or after the loop has gone quiet. */
    long sentCount() { return seq; }

    /** QoS 1/2 publishes the broker acknowledged with success. */
    long ackedCount() { return ackedCount; }

    /** What the broker took responsibility for: all sent at QoS 0, the acknowledged ones otherwise. */
    long accepted() { return qos == 0 ? seq : ackedCount; }

    int inflight() { return inflight; }

    private void pump() {
        pumpQueued = false;
        // reads (CONNACK, acks) and writability changes call pump before the run starts
        if (!started || channel == null || !channel.isActive()) {
            return;
        }
        long allowed = perNano > 0 ? (long) ((System.nanoTime() - startNanos) * perNano) + 1 : Long.MAX_VALUE;
        int n = 0;
        boolean more = false;
        while (!stopped && seq < limit && seq < allowed) {
            if ((qos > 0 && inflight >= Math.min(maxInflight, serverReceiveMaximum)) || !channel.isWritable()) {
                break;
            }
            if (n == BURST) {
                more = true;
                break;
            }
            send();
            n++;
        }
        if (n > 0) {
            channel.flush();
        }
        if (more && !pumpQueued) {
            pumpQueued = true;
            channel.eventLoop().execute(this::pump);
        }
        checkFinished();
    }

    private void send() {
        long now = System.nanoTime();
        byte[] payload = Stamp.payload(payloadSize, runId, id, seq, now);
        if (seq == 0) {
            counters.firstSend(now);
        }
        int packetId = 0;
        if (qos > 0) {
            packetId = nextFreePacketId();
            inUse[packetId] = true;
            inflight++;
        }
        write(new Packet.Publish(topic, qos, false, false, packetId, payload, Properties.EMPTY));
        seq++;
        counters.sent.increment();
    }

    private int nextFreePacketId() {
        while (inUse[nextPacketId]) {
            nextPacketId = nextPacketId == 65_535 ? 1 : nextPacketId + 1;
        }
        int id = nextPacketId;
        nextPacketId = nextPacketId == 65_535 ? 1 : nextPacketId + 1;
        return id;
    }

    @Override
    void onPacket(Packet p) {
        if (p instanceof Packet.PubAck a) {
            complete(a.packetId(), a.reasonCode(), "PUBACK");
        } else if (p instanceof Packet.PubRec r) {
            if (r.reasonCode() >= 0x80) {
                complete(r.packetId(), r.reasonCode(), "PUBREC");
            } else if (inUse[r.packetId()]) {
                write(new Packet.PubRel(r.packetId(), 0, Properties.EMPTY));
            } else {
                counters.error(clientId + ": PUBREC for unknown packet id " + r.packetId());
            }
        } else if (p instanceof Packet.PubComp c) {
            complete(c.packetId(), c.reasonCode(), "PUBCOMP");
        } else {
            super.onPacket(p);
        }
    }

    private void complete(int packetId, int reasonCode, String what) {
        if (!inUse[packetId]) {
            counters.error(clientId + ": " + what + " for unknown packet id " + packetId);
            return;
        }
        inUse[packetId] = false;
        inflight--;
        if (reasonCode < 0x80) {
            ackedCount++;
            counters.acked.increment();
        } else {
            counters.rejected.increment();
            counters.error(clientId + ": " + what + " with failure reason 0x" + Integer.toHexString(reasonCode));
        }
    }

    @Override
    void afterRead() {
        pump();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            pump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finished = true;
        super.channelInactive(ctx);
    }

    private void checkFinished() {
        if ((stopped || seq >= limit) && inflight == 0) {
            finished = true;
        }
    }
}
