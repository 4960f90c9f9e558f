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
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Member-to-member TCP links for forwarded messages: Hazelcast keeps membership and cluster state, messages go
 * over one Netty connection per pair of nodes (length-prefixed frames, TCP_NODELAY), which measured three orders
 * of magnitude below Hazelcast's topic in one-way latency (docs/DESIGN.md "Cluster"). A link opens with the
 * cluster name and the sender's member UUID; the listener drops a connection that names another cluster.
 * Sending happens on the forwarder's thread, which waits while a link's buffer is full (flow control towards the
 * publishers' queues).
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
    private volatile Consumer<byte[]> receiver = f -> { };

    /** @param bindAddress where to listen (an ephemeral port), null = the wildcard address */
    MemberLinks(String clusterName, String nodeId, String bindAddress) throws IOException {
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
            InetSocketAddress at = bindAddress == null ? new InetSocketAddress(0)
                    : new InetSocketAddress(InetAddress.getByName(bindAddress), 0);
            server = b.bind(at).sync().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot open the cluster message link: " + e.getMessage(), e);
        }
    }

    /**
     * @param receiver  frames from other nodes, on the link's event loop (one connection per sender: in order)
     * @param addressOf a member's link address, from its Hazelcast member attributes
     */
    void start(Consumer<byte[]> receiver, Function<UUID, InetSocketAddress> addressOf) {
        this.receiver = receiver;
        this.addressOf = addressOf;
    }

    /** The port other nodes send to (published as a member attribute). */
    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Receives on one accepted link: the first frame is the greeting, then forwarded frames. */
    private final class Inbound extends SimpleChannelInboundHandler<ByteBuf> {
        private boolean greeted;

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
                return;
            }
            receiver.accept(bytes);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Sends one frame to a node, opening the link first if needed; on the forwarder's thread. */
    void send(UUID node, byte[] frame) {
        Channel ch = links.get(node);
        if (ch == null || !ch.isActive()) {
            ch = connect(node);
        }
        // wait while the link is full rather than queueing without bound
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ch.isWritable() && ch.isActive() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
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
                        ch.pipeline().addLast(new LengthFieldPrepender(4));
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
