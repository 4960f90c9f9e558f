package io.tern.broker;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tern.broker.config.FloodLimits;
import io.tern.codec.MqttEncoder;
import io.tern.codec.Packet;

/**
 * {@code publish_rate_limit} and {@code publish_bytes_limit} for one connection: a token bucket per limit,
 * refilled continuously, one second's worth deep. A PUBLISH that takes the bucket below zero is still handled
 * (nothing is dropped) but the connection is not read from again until the debt is paid back, as flow control
 * pauses a publisher: TCP then slows the client down. Sits between the decoder and {@link NettyConnection}.
 */
final class PublishThrottle extends ChannelInboundHandlerAdapter {

    private static final long SECOND = 1_000_000_000L;

    private final long packetsPerSecond;
    private final long bytesPerSecond;
    private double packets;
    private double bytes;
    private long last = System.nanoTime();
    private boolean logged;

    PublishThrottle(FloodLimits limits) {
        this.packetsPerSecond = limits.publishRateLimit();
        this.bytesPerSecond = limits.publishBytesLimit();
        this.packets = packetsPerSecond;
        this.bytes = bytesPerSecond;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Packet.Publish p) {
            long wait = take(p, ctx);
            if (wait > 0) {
                NettyConnection conn = ctx.pipeline().get(NettyConnection.class);
                if (conn != null) {
                    if (!logged) {
                        logged = true;
                        Log.NOTICE.info("Client {} exceeds the publish rate limit; reading from it is paused.",
                                conn.protocol().clientId() != null ? conn.protocol().clientId() : conn.remoteAddress());
                    }
                    conn.holdReading(wait);
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** Takes one PUBLISH from the buckets; returns how many nanoseconds reading must pause (0: none). */
    private long take(Packet.Publish p, ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        double elapsed = (now - last) / (double) SECOND;
        last = now;
        long wait = 0;
        if (packetsPerSecond > 0) {
            packets = Math.min(packetsPerSecond, packets + elapsed * packetsPerSecond) - 1;
            if (packets < 0) {
                wait = (long) (-packets / packetsPerSecond * SECOND);
            }
        }
        if (bytesPerSecond > 0) {
            io.tern.codec.MqttVersion v = ctx.channel().attr(MqttEncoder.VERSION).get();
            int size = v == null ? p.payload().length : MqttEncoder.encodedLength(p, v);
            bytes = Math.min(bytesPerSecond, bytes + elapsed * bytesPerSecond) - size;
            if (bytes < 0) {
                wait = Math.max(wait, (long) (-bytes / bytesPerSecond * SECOND));
            }
        }
        return wait;
    }
}
