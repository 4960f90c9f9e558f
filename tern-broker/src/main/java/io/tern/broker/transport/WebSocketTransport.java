package io.tern.broker.transport;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;

/**
 * MQTT over WebSockets, as a Mosquitto listener with {@code protocol websockets} serves it: an HTTP upgrade on
 * any path, the subprotocols {@code mqtt} (MQTT 3.1.1 and 5, what MQTT.js and Paho send) and {@code mqttv3.1}
 * (what Mosquitto's libwebsockets listener also accepts), then binary frames carrying the MQTT byte stream.
 * Pings are answered, close frames are answered and close the channel, and text frames close the connection
 * with status 1003 [MQTT-6.0.0-1].
 *
 * <p>After {@link #addTo}, the listener adds its MQTT decoder and encoder (and the rest of the broker's
 * handlers) with {@code pipeline.addLast(...)}: they see plain {@code ByteBuf}s in and write plain
 * {@code ByteBuf}s out. Netty fires {@code WebSocketServerProtocolHandler.HandshakeComplete} when the upgrade
 * is done; nothing reaches the MQTT decoder before it.
 */
public final class WebSocketTransport {

    /** The subprotocols offered, in preference order. */
    public static final String SUBPROTOCOLS = "mqtt,mqttv3.1";

    /** Largest WebSocket frame accepted by default: the largest MQTT packet (256 MB) plus its fixed header. */
    public static final int DEFAULT_MAX_FRAME_PAYLOAD = 268_435_455 + 5;

    /** Largest HTTP upgrade request (headers and all), like Mosquitto's websockets_headers_size default of 4096, with room for cookies. */
    public static final int MAX_UPGRADE_REQUEST = 65_536;

    private WebSocketTransport() {
    }

    /**
     * Adds plain {@code ws://} handling on every path.
     *
     * @param pipeline a new channel's pipeline
     */
    public static void addTo(ChannelPipeline pipeline) {
        addTo(pipeline, "/", DEFAULT_MAX_FRAME_PAYLOAD, null);
    }

    /**
     * Adds WebSocket handling, behind TLS when {@code tls} is given ({@code wss://}).
     *
     * @param pipeline        a new channel's pipeline
     * @param path            the path clients upgrade on; {@code "/"} accepts every path, as Mosquitto does
     * @param maxFramePayload largest frame accepted, in bytes (a bigger one closes the connection with 1009)
     * @param tls             the listener's TLS context for {@code wss://}, or null for {@code ws://}
     */
    public static void addTo(ChannelPipeline pipeline, String path, int maxFramePayload, SslContext tls) {
        addTo(pipeline, path, maxFramePayload, tls, 0);
    }

    /**
     * As {@link #addTo(ChannelPipeline, String, int, SslContext)}, with a TLS handshake timeout.
     *
     * @param handshakeTimeoutMillis how long the TLS handshake may take; 0 for Netty's default (10 s)
     */
    public static void addTo(ChannelPipeline pipeline, String path, int maxFramePayload, SslContext tls,
                             long handshakeTimeoutMillis) {
        if (tls != null) {
            io.netty.handler.ssl.SslHandler ssl = tls.newHandler(pipeline.channel().alloc());
            if (handshakeTimeoutMillis > 0) {
                // before it joins the pipeline: on an active channel the handshake (and its timer) starts then
                ssl.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
            }
            pipeline.addLast("ssl", ssl);
        }
        pipeline.addLast("http-codec", new HttpServerCodec());
        pipeline.addLast("http-aggregator", new HttpObjectAggregator(MAX_UPGRADE_REQUEST));
        pipeline.addLast("websocket", new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(path)
                .checkStartsWith(true)
                .subprotocols(SUBPROTOCOLS)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(maxFramePayload)
                        .allowExtensions(false)
                        .build())
                .handleCloseFrames(true)
                .dropPongFrames(true)
                .build()));
        pipeline.addLast("websocket-mqtt", new WebSocketMqttFrames());
    }
}
