package io.tern.cluster;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.tern.broker.Connection;
import io.tern.broker.config.ListenerConfig;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The receiving end of a message link as the broker's flow control sees it: a publisher it can pause. A local
 * subscriber that is congested by forwarded messages pauses reading from the link (auto-read off) as it would a
 * local publisher's connection; the sending node's link then fills, its forwarder queue grows past its high-water
 * mark and the publishers there are paused in turn, and their QoS 1/2 acknowledgements wait for confirmations
 * that this node sends only for frames it read. Reading resumes when the subscriber drained, or after
 * {@link #PAUSE_MILLIS} so a lost wake-up cannot stall the link (as {@code NettyConnection} does).
 */
final class LinkReader implements Connection {

    static final long PAUSE_MILLIS = 100;

    private final Channel channel;
    private final LongAdder pauses;
    private boolean paused;

    LinkReader(Channel channel, LongAdder pauses) {
        this.channel = channel;
        this.pauses = pauses;
    }

    @Override
    public boolean pauseReading() {
        if (paused) {
            return false;
        }
        paused = true;
        pauses.increment();
        channel.config().setAutoRead(false);
        channel.eventLoop().schedule(this::resumeReading, PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        return true;
    }

    @Override
    public void resumeReading() {
        if (paused) {
            paused = false;
            channel.config().setAutoRead(true);
        }
    }

    @Override
    public void send(Packet packet) {
        throw new UnsupportedOperationException("a message link carries no MQTT packets");
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public boolean isWritable() { return true; }

    @Override
    public EventExecutor executor() { return channel.eventLoop(); }

    @Override
    public String remoteAddress() { return String.valueOf(channel.remoteAddress()); }

    @Override
    public ListenerConfig listener() { return null; }

    @Override
    public void protocolVersion(MqttVersion version) {
    }

    @Override
    public void keepAliveTimeout(long millis) {
    }
}
