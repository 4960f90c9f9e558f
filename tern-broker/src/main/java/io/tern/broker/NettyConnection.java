package io.tern.broker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.EventExecutor;
import io.tern.codec.MalformedPacketException;
import io.tern.codec.MqttEncoder;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Netty end of a client connection: decoded packets in, encoded packets out. Writes are not flushed
 * one by one: a read batch is flushed at {@code channelReadComplete}, writes from other event loops by one
 * scheduled flush per batch.
 *
 * <p>Kept small, as a broker may hold many idle connections: the remote address is derived from the channel
 * when asked for (logs, admin), the bytes read are the decoder's count, and the connection is its own flush task
 * ({@link #run()}).
 */
final class NettyConnection extends ChannelInboundHandlerAdapter implements Connection, Runnable {

    /** When a packet last arrived, and how long the connection may stay silent (CONNECT timeout, then 1.5 x keep-alive). */
    private volatile long lastReadNanos = System.nanoTime();
    private volatile long idleLimitNanos;

    private final Broker broker;
    private final io.tern.broker.config.ListenerConfig listener;
    /** The decoder before this handler: it counts the bytes read and knows the protocol version. */
    private final io.tern.codec.MqttDecoder decoder;
    private ProtocolHandler protocol;
    private ChannelHandlerContext ctx;
    private MqttVersion version = MqttVersion.MQTT_3_1_1;
    private boolean inRead;
    private boolean flushPending;
    private String transportIdentity;
    /**
     * Bytes of this connection, for the admin API. Plain fields: written on the event loop per read batch and per
     * packet (no fence on the hot path), read by the admin snapshot, which runs on the same loop. Bytes in are
     * the decoder's count; {@link #bytesCounted} is how much of it the broker's $SYS total has.
     */
    private long bytesCounted;
    private long bytesOut;

    NettyConnection(Broker broker, io.tern.broker.config.ListenerConfig listener, io.tern.codec.MqttDecoder decoder) {
        this.broker = broker;
        this.listener = listener;
        this.decoder = decoder;
        this.idleLimitNanos = broker.connectTimeoutNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.protocol = new ProtocolHandler(broker, this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        broker.stats().sockets.increment();
        if (broker.settings().connectionMessages()) {
            SocketAddress local = ctx.channel().localAddress();
            Log.NOTICE.info("New connection from {} on port {}.", remoteAddress(),
                    local instanceof InetSocketAddress in ? in.getPort() : listener.port());
        }
        super.channelActive(ctx);
    }

    /** Adds what the decoder read since the last call to the broker's $SYS byte count. */
    private void countBytesIn() {
        long n = decoder.bytesRead();
        if (n != bytesCounted) {
            broker.stats().bytesReceived.add(n - bytesCounted);
            bytesCounted = n;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!inRead) {
            lastReadNanos = System.nanoTime(); // once per read batch
        }
        inRead = true;
        broker.stats().messagesReceived.increment();
        protocol.onPacket((Packet) msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inRead = false;
        countBytesIn();
        if (flushPending) {
            flushPending = false;
            writePending();
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        // a peer that does not read what we send (acks, deliveries) is not read from either:
        // its input cannot grow our output buffer without bound
        updateAutoRead();
        if (writable) {
            protocol.onWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        countBytesIn();
        if (pending != null) {
            pending.release();
            pending = null;
        }
        closed();
    }

    /** Set when the broker ends the connection: nothing more is sent, and the session is let go at once. */
    private boolean closing;
    private boolean closedNotified;

    private void closed() {
        if (!closedNotified) {
            closedNotified = true;
            protocol.onClosed();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof io.tern.broker.transport.PskHandshakeCompleted psk) {
            transportIdentity = psk.identity();
        } else if (evt instanceof io.tern.broker.transport.PskHandshakeFailed f) {
            Log.NOTICE.info("TLS-PSK handshake with {} failed: {}", remoteAddress(), f.reason());
        } else if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent hs) {
            if (!hs.isSuccess()) {
                Log.NOTICE.info("OpenSSL Error on connection from {}: {}", remoteAddress(),
                        io.tern.broker.transport.TlsContextFactory.reason(hs.cause()));
            } else {
                io.netty.handler.ssl.SslHandler ssl = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class);
                if (ssl != null && listener.useSubjectAsUsername()) {
                    transportIdentity = io.tern.broker.transport.ClientCertificates.subject(ssl).orElse(null);
                } else if (ssl != null && listener.useIdentityAsUsername()) {
                    transportIdentity = io.tern.broker.transport.ClientCertificates.commonName(ssl).orElse(null);
                }
            }
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause;
        if (c instanceof DecoderException && !(c instanceof MalformedPacketException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof MalformedPacketException m) {
            protocol.onMalformed(m);
        } else if (c instanceof io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException
                || c instanceof io.netty.handler.codec.TooLongFrameException
                || c instanceof io.netty.handler.codec.http.websocketx.WebSocketHandshakeException) {
            // the WebSocket layer has answered (close frame or HTTP error); say why the client goes
            Log.NOTICE.info("Client {} disconnected due to bad WebSocket input: {}.", remoteAddress(), c.getMessage());
            ctx.close();
        } else if (c instanceof IOException) {
            // reset by peer and the like: the close that follows says all
            ctx.close();
        } else {
            Log.WARNING.warn("Closing connection from {} after an internal error: {}", remoteAddress(), c.toString(), c);
            ctx.close();
        }
    }

    // ---------------------------------------------------------------- Connection

    /**
     * Encodes into one buffer per flush: many small packets cost one pooled buffer and one outbound-buffer
     * entry instead of one each.
     */
    @Override
    public void send(Packet packet) {
        if (closing) {
            return;
        }
        ByteBuf out = pending;
        if (out == null) {
            out = ctx.alloc().directBuffer(BATCH_BYTES);
            pending = out;
        }
        int before = out.writerIndex();
        MqttEncoder.encode(packet, version, out); // the buffer grows if a packet needs more room
        int written = out.writerIndex() - before;
        broker.stats().bytesSent.add(written);
        bytesOut += written;
        if (out.readableBytes() >= BATCH_BYTES) {
            // a full batch goes to the channel now; the flush that is pending will send it
            pending = null;
            ctx.write(out, ctx.voidPromise());
        }
        broker.stats().messagesSent.increment();
        if (!flushPending) {
            flushPending = true;
            if (!inRead) {
                ctx.executor().execute(this);
            }
        }
    }

    /** Size of the buffers packets are encoded into between flushes. */
    private static final int BATCH_BYTES = 4096;
    private ByteBuf pending;

    private void writePending() {
        ByteBuf out = pending;
        if (out != null) {
            pending = null;
            ctx.write(out, ctx.voidPromise());
        }
    }

    /** The flush task of writes from outside a read batch: one per batch, not a task object per connection. */
    @Override
    public void run() {
        if (flushPending) {
            flushPending = false;
            writePending();
            ctx.flush();
        }
    }

    /**
     * Ends the connection gracefully ({@link GracefulClose}): the peer reads what was sent even if it is still
     * sending. The protocol handler hears of the close now, not when the socket is finally gone.
     */
    @Override
    public void close() {
        flushPending = false;
        if (closing) {
            return;
        }
        writePending();
        closing = true;
        GracefulClose.start(ctx);
        closed();
    }

    @Override
    public boolean isWritable() { return ctx.channel().isWritable(); }

    @Override
    public EventExecutor executor() { return ctx.executor(); }

    @Override
    public String remoteAddress() {
        SocketAddress a = ctx == null ? null : ctx.channel().remoteAddress(); // Netty keeps it after the close
        if (a instanceof InetSocketAddress in) {
            String host = in.getAddress() != null ? in.getAddress().getHostAddress() : in.getHostString();
            return host + ":" + in.getPort();
        }
        return String.valueOf(a);
    }

    @Override
    public io.tern.broker.config.ListenerConfig listener() { return listener; }

    @Override
    public long bytesIn() { return decoder.bytesRead(); }

    @Override
    public long bytesOut() { return bytesOut; }

    @Override
    public void protocolVersion(MqttVersion v) { this.version = v; }

    @Override
    public void keepAliveTimeout(long millis) {
        lastReadNanos = System.nanoTime();
        idleLimitNanos = millis > 0 ? TimeUnit.MILLISECONDS.toNanos(millis) : Long.MAX_VALUE;
    }

    /** Whether nothing arrived for longer than allowed; cheap, from the sweep thread. */
    boolean idleFor(long now) {
        long limit = idleLimitNanos;
        return limit != Long.MAX_VALUE && now - lastReadNanos > limit;
    }

    /** On the connection's loop: closes it if it is still idle. */
    void checkIdle() {
        if (idleFor(System.nanoTime())) {
            protocol.onKeepAliveExpired();
        }
    }

    @Override
    public String transportIdentity() { return transportIdentity; }

    @Override
    public boolean bridge() { return decoder.bridge(); }

    ProtocolHandler protocol() { return protocol; }

    /** How long a congestion pause lasts at most before reading is tried again. */
    private static final long PAUSE_MILLIS = 100;
    private boolean paused;

    private void updateAutoRead() {
        // a closing connection is read (and its input discarded) until the peer closes
        ctx.channel().config().setAutoRead(closing || (!paused && !held && ctx.channel().isWritable()));
    }

    /** A publish rate limit holds reading ({@link PublishThrottle}); unlike a congestion pause it is not cut short. */
    private boolean held;

    /** Holds or releases reading for {@link PublishThrottle}; call on {@link #executor()}. */
    void holdReading(boolean hold) {
        if (held != hold) {
            held = hold;
            updateAutoRead();
        }
    }

    @Override
    public boolean pauseReading() {
        if (paused) {
            return false;
        }
        paused = true;
        updateAutoRead();
        ctx.executor().schedule(this::resumeReading, PAUSE_MILLIS, TimeUnit.MILLISECONDS); // rare: no field for it
        return true;
    }

    @Override
    public void resumeReading() {
        if (paused) {
            paused = false;
            updateAutoRead();
        }
    }
}
