package io.tern.bench;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.tern.codec.MqttEncoder;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.util.concurrent.CompletableFuture;

/**
 * One MQTT connection of a run: sends CONNECT when the socket is up, completes {@link #ready()} on
 * success (after CONNACK, or after SUBACK for a subscriber), answers the broker's PINGRESP, and reports
 * whatever goes wrong to the run's {@link Counters}. Subclasses add publishing or receiving. All state is
 * touched on the channel's event loop only.
 */
class Client extends ChannelInboundHandlerAdapter {

    final String clientId;
    final MqttVersion version;
    final int keepAlive;
    final Counters counters;
    final CompletableFuture<Client> ready = new CompletableFuture<>();
    Channel channel;
    /** MQTT 5: how many QoS 1/2 publishes the broker accepts unacknowledged from us [MQTT-3.3.4-7]. */
    int serverReceiveMaximum = 65_535;
    private volatile boolean closing;

    Client(String clientId, MqttVersion version, int keepAlive, Counters counters) {
        this.clientId = clientId;
        this.version = version;
        this.keepAlive = keepAlive;
        this.counters = counters;
    }

    /** Whether to ask for a session that outlives the connection (clean session 0 / session expiry). */
    boolean persistentSession;

    /** Completes when the connection is usable, exceptionally if it could not be set up. */
    CompletableFuture<Client> ready() { return ready; }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        Properties props = Properties.EMPTY;
        if (version.isV5()) {
            // let the broker keep as many QoS 1/2 deliveries in flight to us as it is willing to
            Properties.Builder b = Properties.builder().put(PropertyId.RECEIVE_MAXIMUM, 65_535);
            if (persistentSession) {
                b.put(PropertyId.SESSION_EXPIRY_INTERVAL, 3600L);
            }
            props = b.build();
        }
        // a persistent session starts clean too (clean start 1 with expiry in v5), so runs do not mix
        write(new Packet.Connect(version, clientId, !persistentSession || version.isV5(), keepAlive, null, null, null,
                props));
        ctx.flush();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Packet p = (Packet) msg;
        if (p instanceof Packet.ConnAck ack) {
            if (ack.reasonCode() != 0) {
                fail("CONNACK refused with code " + ack.reasonCode());
            } else {
                serverReceiveMaximum = ack.properties().intValue(PropertyId.RECEIVE_MAXIMUM, 65_535);
                connected();
            }
        } else if (p instanceof Packet.Disconnect d) {
            counters.error(clientId + ": broker sent DISCONNECT with reason 0x" + Integer.toHexString(d.reasonCode()));
            ctx.close();
        } else if (!(p instanceof Packet.PingResp)) {
            onPacket(p);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        afterRead();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            write(Packet.PingReq.INSTANCE);
            ctx.flush();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!ready.isDone()) {
            fail("connection closed before it was set up");
        } else if (!closing) {
            counters.droppedByBroker.increment();
            counters.error(clientId + ": connection closed by the broker");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // writes racing a close fail with ClosedChannelException; the close itself is reported once
        if (!closing && !(cause instanceof java.nio.channels.ClosedChannelException)) {
            fail(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
        ctx.close();
    }

    /** CONNACK accepted: a plain connection is ready now. */
    void connected() {
        markReady();
    }

    final void markReady() {
        if (!ready.isDone()) {
            // counted before completing, so whoever waits on ready() sees the count
            counters.connected.increment();
            ready.complete(this);
        }
    }

    final void fail(String why) {
        // recorded before the future completes: whoever waits on ready() reads the errors next
        counters.error(clientId + ": " + why);
        if (!ready.isDone()) {
            counters.connectFailed.increment();
            ready.completeExceptionally(new IllegalStateException(clientId + ": " + why));
        }
        if (channel != null) {
            channel.close();
        }
    }

    /** Packets other than CONNACK, PINGRESP and DISCONNECT. */
    void onPacket(Packet p) {
        counters.error(clientId + ": unexpected " + p.type());
    }

    /** After a batch of reads has been handled and flushed. */
    void afterRead() {
    }

    final void write(Packet p) {
        channel.write(MqttEncoder.encode(p, version, channel.alloc()), channel.voidPromise());
    }

    /** Sends DISCONNECT and closes; on the event loop. */
    void disconnect() {
        closing = true;
        if (channel != null && channel.isActive()) {
            write(Packet.Disconnect.NORMAL);
            channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        }
    }

    boolean closing() { return closing; }
}
