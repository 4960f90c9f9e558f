package io.tern.broker.transport;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * A stand-in for the broker behind the transport handlers under test: it answers CONNECT with CONNACK
 * (0x20 0x02 0x00 0x00), PINGREQ with PINGRESP, records QoS 0 PUBLISHes as "topic=payload", closes on
 * DISCONNECT, and records every user event and exception the transport raises, logging each as a line.
 */
final class MqttTestServer implements AutoCloseable {

    final BlockingQueue<String> publishes = new LinkedBlockingQueue<>();
    final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    final List<String> log = new CopyOnWriteArrayList<>();
    final List<Channel> channels = new CopyOnWriteArrayList<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    MqttTestServer(Consumer<SocketChannel> transport) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        transport.accept(ch);
                        ch.pipeline().addLast("mini-mqtt", new MiniMqtt());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private void log(String line) {
        log.add(line);
        System.out.println("[test server] " + line);
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private final class MiniMqtt extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (true) {
                in.markReaderIndex();
                if (in.readableBytes() < 2) {
                    return;
                }
                int header = in.readUnsignedByte();
                int length = 0;
                int shift = 0;
                int b;
                do {
                    if (!in.isReadable()) {
                        in.resetReaderIndex();
                        return;
                    }
                    b = in.readUnsignedByte();
                    length |= (b & 0x7f) << shift;
                    shift += 7;
                } while ((b & 0x80) != 0);
                if (in.readableBytes() < length) {
                    in.resetReaderIndex();
                    return;
                }
                ByteBuf packet = in.readSlice(length);
                switch (header >> 4) {
                    case 1 -> {
                        log("CONNECT from " + ctx.channel().remoteAddress());
                        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {0x20, 0x02, 0x00, 0x00}));
                    }
                    case 3 -> {
                        int topicLength = packet.readUnsignedShort();
                        String topic = packet.readCharSequence(topicLength, StandardCharsets.UTF_8).toString();
                        if (((header >> 1) & 3) > 0) {
                            packet.skipBytes(2);
                        }
                        String payload = packet.toString(StandardCharsets.UTF_8);
                        log("PUBLISH " + topic + "=" + payload);
                        publishes.add(topic + "=" + payload);
                    }
                    case 12 -> ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {(byte) 0xD0, 0x00}));
                    case 14 -> {
                        log("DISCONNECT");
                        ctx.close();
                    }
                    default -> log("ignored packet type " + (header >> 4));
                }
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
                log("TLS handshake with " + ctx.channel().remoteAddress() + " failed: " + e.cause());
            } else {
                log("event " + evt);
            }
            events.add(evt);
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log("exception on " + ctx.channel().remoteAddress() + ": " + cause);
            events.add(cause);
            ctx.close();
        }
    }
}
