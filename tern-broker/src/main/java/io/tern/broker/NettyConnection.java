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

    /**
     * When the peer last showed it is alive, and how long it may stay silent (CONNECT timeout, then 1.5 x
     * keep-alive [MQTT-3.1.2-22]). A sign of life is a packet read, or, while the broker itself does not read
     * from the connection, data the kernel received from the peer or the socket taking more of its output
     * ({@link #noteLifeWhilePaused}).
     */
    private volatile long lastReadNanos = System.nanoTime();
    private volatile long idleLimitNanos;
    /** Reading is off by the broker's own choice (congestion, rate limit, backed-up output), not by a close. */
    private volatile boolean readingPaused;
    /**
     * Bytes written into the outbound buffer at the socket end, by {@link SocketActivity} below a transport's
     * framing (TLS, WebSocket, PSK), else by this connection itself ({@link #countsSocketWrites}); event loop only.
     */
    long socketBytesQueued;
    /** No {@link SocketActivity} below: this handler writes to the socket end and counts what it writes. */
    private boolean countsSocketWrites;
    /** What the socket had taken ({@link SocketActivity#taken}) when last looked at while reading was paused. */
    private long drainSeen;

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
        this.countsSocketWrites = ctx.pipeline().get(SocketActivity.class) == null;
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
            writeOut(out);
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
            writeOut(out);
        }
    }

    private void writeOut(ByteBuf out) {
        if (countsSocketWrites) {
            socketBytesQueued += out.readableBytes();
        }
        ctx.write(out, ctx.voidPromise());
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
        readingPaused = false; // a closing connection is read until it closes; keep-alive no longer matters
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

    /**
     * Whether {@link #checkIdle} should run on the connection's loop: nothing arrived for longer than allowed, or
     * the broker is not reading from it (then the loop looks for signs of life at each sweep). Cheap, from the
     * sweep thread.
     */
    boolean idleFor(long now) {
        long limit = idleLimitNanos;
        return limit != Long.MAX_VALUE && (readingPaused || now - lastReadNanos > limit);
    }

    /** On the connection's loop: closes it if it is still idle. */
    void checkIdle() {
        long now = System.nanoTime();
        if (readingPaused) {
            noteLifeWhilePaused(now);
        }
        long limit = idleLimitNanos;
        if (limit != Long.MAX_VALUE && now - lastReadNanos > limit) {
            protocol.onKeepAliveExpired();
        }
    }

    /**
     * While the broker does not read from a connection, the peer's PINGREQs wait unread in the kernel, so its
     * silence is the broker's doing: a congestion pause or a publish rate limit (both lifted by the broker, and
     * only a client that publishes gets them) stop its keep-alive clock; backed-up output (a slow consumer) does
     * not, but data the kernel received from the peer, and output the socket took (which only a peer that
     * still reads makes room for), count as signs of life ({@link SocketActivity}). A dead peer shows neither,
     * and keep-alive expires as usual. Found by the soak: a slow but alive consumer was cut off by keep-alive
     * while its output stayed unwritable.
     */
    private void noteLifeWhilePaused(long now) {
        if (paused || held) {
            lastReadNanos = now;
            return;
        }
        long taken = SocketActivity.taken(ctx.channel(), socketBytesQueued);
        if (taken > drainSeen) {
            lastReadNanos = now;
        }
        drainSeen = taken;
        if (tcpInfo == null) {
            tcpInfo = new io.netty.channel.epoll.EpollTcpInfo();
        }
        long sinceData = SocketActivity.millisSinceDataReceived(ctx.channel(), tcpInfo);
        if (sinceData >= 0) {
            long dataAt = now - TimeUnit.MILLISECONDS.toNanos(sinceData);
            if (dataAt - lastReadNanos > 0) {
                lastReadNanos = dataAt;
            }
        }
    }

    /** Reused for {@code TCP_INFO} while reading is paused; created at the first pause. */
    private io.netty.channel.epoll.EpollTcpInfo tcpInfo;

    @Override
    public String transportIdentity() { return transportIdentity; }

    @Override
    public boolean bridge() { return decoder.bridge(); }

    /**
     * The connection of a channel, or null before it has one: the last handler of its pipeline (a look-up by
     * name compares the name of every handler; the idle sweep asks four times a second for every connection, and
     * {@link SocketActivity} at every write). No channel attribute: each costs an idle connection ~70 bytes.
     */
    static NettyConnection of(io.netty.channel.Channel ch) {
        io.netty.channel.ChannelHandler last = ch.pipeline().last();
        return last instanceof NettyConnection c ? c : (NettyConnection) ch.pipeline().get("mqtt");
    }

    ProtocolHandler protocol() { return protocol; }

    /** How long a congestion pause lasts at most before reading is tried again. */
    private static final long PAUSE_MILLIS = 100;
    private boolean paused;

    private void updateAutoRead() {
        // a closing connection is read (and its input discarded) until the peer closes
        boolean read = closing || (!paused && !held && ctx.channel().isWritable());
        ctx.channel().config().setAutoRead(read);
        if (read == readingPaused) {
            if (read) {
                // the pause ends: what it hid counts before the peer's waiting packets are read
                noteLifeWhilePaused(System.nanoTime());
            } else {
                drainSeen = SocketActivity.taken(ctx.channel(), socketBytesQueued);
            }
            readingPaused = !read;
        }
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
