package io.tern.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Member-to-member TCP links for forwarded messages: Hazelcast keeps membership and cluster state, messages go
 * over one Netty connection per pair of nodes (length-prefixed frames, TCP_NODELAY), which measured three orders
 * of magnitude below Hazelcast's topic in one-way latency (docs/DESIGN.md "Cluster"). A link opens with the
 * cluster name and the sender's member UUID; the listener drops a connection that names another cluster.
 * Sending happens on the forwarder's thread, which skips a node whose link is full (its queue then grows and
 * pauses the publishers feeding it, see {@link Forwarder}); receiving, a congested subscriber pauses the link
 * ({@link LinkReader}).
 */
final class MemberLinks implements AutoCloseable {

    /** Largest frame accepted: 512 messages of up to 256 kB would be more, so frames are bounded by the forwarder. */
    static final int MAX_FRAME = 64 * 1024 * 1024;

    private final String clusterName;
    private final String nodeId;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final Map<UUID, Channel> links = new ConcurrentHashMap<>();
    /** Nodes whose link could not be opened, until when not to try again (one stuck peer must not stall the rest). */
    private final Map<UUID, Long> downUntil = new ConcurrentHashMap<>();
    static final long RETRY_NANOS = 1_000_000_000L;
    private volatile Function<UUID, InetSocketAddress> addressOf = n -> null;
    private volatile java.util.function.BiConsumer<byte[], LinkReader> receiver = (f, l) -> { };
    /** Times a congested local subscriber paused reading from a link. */
    final java.util.concurrent.atomic.LongAdder readPauses = new java.util.concurrent.atomic.LongAdder();
    /** Told when an outbound link can take more again (the forwarder skips full ones). */
    private volatile Runnable writable = () -> { };

    /**
     * @param bindAddress where to listen, null = the wildcard address
     * @param port        the port to listen on ({@code cluster_link_port}), 0 = an ephemeral one
     */
    MemberLinks(String clusterName, String nodeId, String bindAddress, int port) throws IOException {
        this.clusterName = clusterName;
        this.nodeId = nodeId;
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4))
                                .addLast(new Inbound());
                    }
                });
        try {
            InetSocketAddress at = bindAddress == null ? new InetSocketAddress(port)
                    : new InetSocketAddress(InetAddress.getByName(bindAddress), port);
            server = b.bind(at).sync().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot open the cluster message link"
                    + (port == 0 ? "" : " on cluster_link_port " + port) + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param receiver  frames from other nodes, on the link's event loop (one connection per sender: in order),
     *                  with the link as a connection local flow control may pause
     * @param addressOf a member's link address, from its Hazelcast member attributes
     * @param writable  run when a full outbound link drained below its low-water mark
     */
    void start(java.util.function.BiConsumer<byte[], LinkReader> receiver, Function<UUID, InetSocketAddress> addressOf,
               Runnable writable) {
        this.receiver = receiver;
        this.addressOf = addressOf;
        this.writable = writable;
    }

    /** Whether a frame for {@code node} can be written now without growing its link past the high-water mark. */
    boolean writable(UUID node) {
        Channel ch = links.get(node);
        return ch == null || !ch.isActive() || ch.isWritable();
    }

    /** The port other nodes send to (published as a member attribute). */
    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Receives on one accepted link: the first frame is the greeting, then forwarded frames. */
    private final class Inbound extends SimpleChannelInboundHandler<ByteBuf> {
        private boolean greeted;
        private LinkReader reader;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            byte[] bytes = ByteBufUtil.getBytes(frame);
            if (!greeted) {
                String hello = new String(bytes, StandardCharsets.UTF_8);
                if (!hello.startsWith(clusterName + "|")) {
                    ClusterNode.LOG.warn("Cluster: dropping a message link from {}: not of cluster {}",
                            ctx.channel().remoteAddress(), clusterName);
                    ctx.close();
                    return;
                }
                greeted = true;
                reader = new LinkReader(ctx.channel(), readPauses);
                return;
            }
            receiver.accept(bytes, reader);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * Sends one frame to a node, opening the link first if needed; on the forwarder's thread. It does not wait
     * for a full link: the forwarder sends message frames only while {@link #writable}, so only small
     * confirmations and the one frame that crossed the mark go beyond it.
     */
    void send(UUID node, byte[] frame) {
        Channel ch = links.get(node);
        if (ch == null || !ch.isActive()) {
            ch = connect(node);
        }
        ch.writeAndFlush(Unpooled.wrappedBuffer(frame));
    }

    private Channel connect(UUID node) {
        Long until = downUntil.get(node);
        if (until != null && System.nanoTime() - until < 0) {
            throw new IllegalStateException("the message link to member " + node + " is down");
        }
        InetSocketAddress to = addressOf.apply(node);
        if (to == null) {
            throw new IllegalStateException("no message link address for member " + node);
        }
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LengthFieldPrepender(4))
                                .addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                                        if (ctx.channel().isWritable()) {
                                            writable.run();
                                        }
                                        ctx.fireChannelWritabilityChanged();
                                    }
                                });
                    }
                });
        Channel ch;
        try {
            ch = b.connect(to).sync().channel();
        } catch (Exception e) {
            downUntil.put(node, System.nanoTime() + RETRY_NANOS);
            throw new IllegalStateException("cannot open a message link to " + to + ": " + e.getMessage(), e);
        }
        downUntil.remove(node);
        ch.writeAndFlush(Unpooled.wrappedBuffer((clusterName + "|" + nodeId).getBytes(StandardCharsets.UTF_8)));
        Channel old = links.put(node, ch);
        if (old != null) {
            old.close();
        }
        return ch;
    }

    /** A node left: its link closes. */
    void forget(UUID node) {
        downUntil.remove(node);
        Channel ch = links.remove(node);
        if (ch != null) {
            ch.close();
        }
    }

    @Override
    public void close() {
        links.values().forEach(Channel::close);
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
