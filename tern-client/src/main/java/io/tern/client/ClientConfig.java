package io.tern.client;

import io.netty.channel.EventLoopGroup;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.net.URI;
import java.time.Duration;

/** The builder's settings, frozen when the client is built. */
record ClientConfig(URI serverUri, MqttVersion version, String clientId, boolean cleanStart, int keepAlive,
                    String username, byte[] password, Packet.Will will, Properties connectProperties,
                    TlsSettings tls, String localAddress, boolean tcpNoDelay, Duration connectTimeout,
                    boolean automaticReconnect, Duration reconnectInitialDelay, Duration reconnectMaxDelay,
                    int maxInflight, int offlineBufferLimit, MessageHandler defaultHandler,
                    ConnectionListener listener, PacketTrace trace, EventLoopGroup eventLoopGroup,
                    String webSocketSubprotocol, boolean bridge, boolean manualAcks,
                    int topicAliasMaximum, SessionState sessionState) {

    /** The URI scheme, lower case; tcp when none. */
    String scheme() {
        String s = serverUri.getScheme();
        return s == null ? "tcp" : s.toLowerCase(java.util.Locale.ROOT);
    }

    boolean secure() {
        return switch (scheme()) {
            case "ssl", "mqtts", "tls", "wss" -> true;
            default -> false;
        };
    }

    boolean webSocket() {
        return scheme().equals("ws") || scheme().equals("wss");
    }

    String host() {
        String h = serverUri.getHost();
        return h == null ? "localhost" : h;
    }

    int port() {
        if (serverUri.getPort() > 0) {
            return serverUri.getPort();
        }
        return switch (scheme()) {
            case "ssl", "mqtts", "tls" -> 8883;
            case "ws" -> 80;
            case "wss" -> 443;
            default -> 1883;
        };
    }
}
