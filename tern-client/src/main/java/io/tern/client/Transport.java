package io.tern.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.net.InetSocketAddress;
import java.net.URI;

/** Opens the socket and stacks TLS and WebSocket framing under the MQTT codec, as the server URI asks. */
final class Transport {

    static final String TLS = "tls";
    static final String MQTT = "mqtt-client";
    static final String FLUSH = "flush-consolidation";

    private Transport() {
    }

    static ChannelFuture connect(ClientConfig cfg, EventLoop loop, SslContext sslContext, ChannelHandler mqtt) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, cfg.tcpNoDelay())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        cfg.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (cfg.secure()) {
                            if (cfg.tls() != null && cfg.tls().isPsk()) {
                                p.addLast(TLS, PskTls.handler(cfg.tls(), cfg.connectTimeout()));
                            } else {
                                SSLEngine engine = sslContext.newEngine(ch.alloc(), cfg.host(), cfg.port());
                                if (cfg.tls() == null || !cfg.tls().insecure()) {
                                    SSLParameters params = engine.getSSLParameters();
                                    params.setEndpointIdentificationAlgorithm("HTTPS");
                                    engine.setSSLParameters(params);
                                }
                                p.addLast(TLS, new SslHandler(engine));
                            }
                        }
                        if (cfg.webSocket()) {
                            URI u = cfg.serverUri();
                            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/mqtt" : u.getRawPath();
                            URI wsUri = URI.create((cfg.secure() ? "wss" : "ws") + "://" + cfg.host() + ":"
                                    + cfg.port() + path);
                            p.addLast(new HttpClientCodec());
                            p.addLast(new HttpObjectAggregator(65536));
                            p.addLast(new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(
                                    wsUri, WebSocketVersion.V13, cfg.webSocketSubprotocol(), false,
                                    new DefaultHttpHeaders(), 268_435_460)));
                            p.addLast(new WebSocketFrames());
                        }
                        // a packet is written as it is made and flushed once per read batch or event-loop
                        // round (Netty's FlushConsolidationHandler), not with a write(2) each: a bridge forwards
                        // a window of deliveries for each batch of the remote's acknowledgements; above TLS so
                        // that the records get fuller too
                        p.addLast(FLUSH, new FlushConsolidationHandler(
                                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
                        WireCodec.install(p, cfg.version());
                        if (cfg.bridge() && cfg.version() != io.tern.codec.MqttVersion.MQTT_5) {
                            p.addBefore(WireCodec.ENCODER, BridgeFlag.NAME, new BridgeFlag());
                        }
                        p.addLast(MQTT, mqtt);
                    }
                });
        InetSocketAddress remote = new InetSocketAddress(cfg.host(), cfg.port());
        if (cfg.localAddress() != null) {
            return b.connect(remote, new InetSocketAddress(cfg.localAddress(), 0));
        }
        return b.connect(remote);
    }
}
