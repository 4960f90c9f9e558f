package io.tern.broker;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tern.broker.config.FloodLimits;
import io.tern.codec.MqttEncoder;
import io.tern.codec.Packet;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * {@code publish_rate_limit} and {@code publish_bytes_limit} for one connection: a token bucket per limit,
 * refilled continuously, one second's worth deep. When a PUBLISH finds a bucket empty, it and every packet after
 * it wait here, in order, and the connection is not read from ({@link NettyConnection#holdReading}) until the
 * buckets have refilled enough to pass them on: nothing is dropped, and TCP slows the client down. What waits is
 * at most what one read had already brought in. Sits between the decoder and {@link NettyConnection}.
 */
final class PublishThrottle extends ChannelInboundHandlerAdapter {

    private static final long SECOND = 1_000_000_000L;

    private final long packetsPerSecond;
    private final long bytesPerSecond;
    private double packets;
    private double bytes;
    private long last = System.nanoTime();
    private boolean logged;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private boolean releaseScheduled;

    PublishThrottle(FloodLimits limits) {
        this.packetsPerSecond = limits.publishRateLimit();
        this.bytesPerSecond = limits.publishBytesLimit();
        this.packets = packetsPerSecond;
        this.bytes = bytesPerSecond;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!waiting.isEmpty()) {
            waiting.add(msg); // keep the order of everything after a held PUBLISH
            return;
        }
        if (msg instanceof Packet.Publish p && !take(p, ctx)) {
            waiting.add(msg);
            hold(ctx);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        waiting.clear(); // decoded packets hold no buffers
        super.channelInactive(ctx);
    }

    /** Takes one PUBLISH from the buckets if both have room; false leaves them as they were. */
    private boolean take(Packet.Publish p, ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        double elapsed = (now - last) / (double) SECOND;
        last = now;
        if (packetsPerSecond > 0) {
            packets = Math.min(packetsPerSecond, packets + elapsed * packetsPerSecond);
        }
        int size = 0;
        if (bytesPerSecond > 0) {
            bytes = Math.min(bytesPerSecond, bytes + elapsed * bytesPerSecond);
            io.tern.codec.MqttDecoder d = ctx.pipeline().get(io.tern.codec.MqttDecoder.class);
            io.tern.codec.MqttVersion v = d == null ? null : d.version();
            size = v == null ? p.payload().length : MqttEncoder.encodedLength(p, v);
        }
        // a packet bigger than a whole second's budget passes once the bucket is full
        boolean packetOk = packetsPerSecond <= 0 || packets >= 1;
        boolean bytesOk = bytesPerSecond <= 0 || bytes >= Math.min(size, bytesPerSecond);
        if (!packetOk || !bytesOk) {
            return false;
        }
        packets -= 1;
        bytes -= size;
        return true;
    }

    private void hold(ChannelHandlerContext ctx) {
        NettyConnection conn = ctx.pipeline().get(NettyConnection.class);
        if (conn != null) {
            if (!logged) {
                logged = true;
                String who = conn.protocol().clientId() != null ? conn.protocol().clientId() : conn.remoteAddress();
                Log.NOTICE.info("Client {} exceeds the publish rate limit; reading from it is paused.", who);
            }
            conn.holdReading(true);
        }
        scheduleRelease(ctx);
    }

    private void scheduleRelease(ChannelHandlerContext ctx) {
        if (!releaseScheduled) {
            releaseScheduled = true;
            long wait = Math.max(1_000_000L, SECOND / Math.max(1, Math.max(packetsPerSecond, 1)));
            ctx.executor().schedule(() -> release(ctx), Math.min(wait, 100_000_000L), TimeUnit.NANOSECONDS);
        }
    }

    /** Passes on what the buckets allow now; reading resumes once nothing waits. */
    private void release(ChannelHandlerContext ctx) {
        releaseScheduled = false;
        if (!ctx.channel().isActive()) {
            waiting.clear();
            return;
        }
        boolean passed = false;
        while (!waiting.isEmpty()) {
            Object next = waiting.peek();
            if (next instanceof Packet.Publish p && !take(p, ctx)) {
                break;
            }
            waiting.poll();
            passed = true;
            ctx.fireChannelRead(next);
        }
        if (passed) {
            ctx.fireChannelReadComplete(); // NettyConnection flushes what the packets caused
        }
        if (waiting.isEmpty()) {
            NettyConnection conn = ctx.pipeline().get(NettyConnection.class);
            if (conn != null) {
                conn.holdReading(false);
            }
        } else {
            scheduleRelease(ctx);
        }
    }
}
