package io.tern.broker.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;

/** MQTT over WebSockets with the JDK's WebSocket client. */
class WebSocketTransportTest {

    private static final byte[] CONNECT = {0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00};
    private static final byte[] CONNACK = {0x20, 0x02, 0x00, 0x00};

    @TempDir
    Path dir;

    /** Collects what the server sends: binary data as byte arrays, pongs as "pong", a close as "close:CODE". */
    static final class Client implements WebSocket.Listener {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                received.add(partial.toByteArray());
                partial.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            received.add("pong");
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            received.add("close:" + statusCode);
            return null;
        }

        Object next() throws InterruptedException {
            Object o = received.poll(10, TimeUnit.SECONDS);
            assertThat(o).as("something from the server within 10 s").isNotNull();
            return o;
        }
    }

    private static WebSocket open(HttpClient http, String uri, Client client) throws Exception {
        return http.newWebSocketBuilder().subprotocols("mqtt").connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(uri), client).get(10, TimeUnit.SECONDS);
    }

    private static byte[] publish(String topic, String payload) {
        byte[] t = topic.getBytes();
        byte[] p = payload.getBytes();
        ByteBuffer b = ByteBuffer.allocate(4 + t.length + p.length);
        b.put((byte) 0x30).put((byte) (2 + t.length + p.length)).putShort((short) t.length).put(t).put(p);
        return b.array();
    }

    private static ByteBuffer bytes(byte[] all, int from, int to) {
        return ByteBuffer.wrap(java.util.Arrays.copyOfRange(all, from, to));
    }

    @Test
    void connectSplitOverTwoMessagesAndTwoPacketsInOneFrame() throws Exception {
        try (MqttTestServer s = new MqttTestServer(ch -> WebSocketTransport.addTo(ch.pipeline()))) {
            Client client = new Client();
            WebSocket ws = open(HttpClient.newHttpClient(), "ws://127.0.0.1:" + s.port() + "/mqtt", client);
            assertThat(ws.getSubprotocol()).isEqualTo("mqtt");
            // [MQTT-6.0.0-2] a packet may span WebSocket messages: CONNECT in two complete binary messages
            ws.sendBinary(bytes(CONNECT, 0, 5), true).get(10, TimeUnit.SECONDS);
            ws.sendBinary(bytes(CONNECT, 5, CONNECT.length), true).get(10, TimeUnit.SECONDS);
            assertThat((byte[]) client.next()).isEqualTo(CONNACK);

            // two PUBLISH packets in one frame
            byte[] a = publish("a", "1");
            byte[] b = publish("b", "2");
            ByteBuffer both = ByteBuffer.allocate(a.length + b.length).put(a).put(b).flip();
            ws.sendBinary(both, true).get(10, TimeUnit.SECONDS);
            assertThat(s.publishes.poll(10, TimeUnit.SECONDS)).isEqualTo("a=1");
            assertThat(s.publishes.poll(10, TimeUnit.SECONDS)).isEqualTo("b=2");

            // a packet over a binary frame and a continuation frame
            byte[] c = publish("c", "continued");
            ws.sendBinary(bytes(c, 0, 3), false).get(10, TimeUnit.SECONDS);
            ws.sendBinary(bytes(c, 3, c.length), true).get(10, TimeUnit.SECONDS);
            assertThat(s.publishes.poll(10, TimeUnit.SECONDS)).isEqualTo("c=continued");

            ws.sendPing(ByteBuffer.wrap(new byte[] {1})).get(10, TimeUnit.SECONDS);
            assertThat(client.next()).isEqualTo("pong");

            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
            assertThat(client.next()).isEqualTo("close:1000");
            assertThat(s.events).anyMatch(e -> e instanceof WebSocketServerProtocolHandler.HandshakeComplete h
                    && "mqtt".equals(h.selectedSubprotocol()));
        }
    }

    @Test
    void mqttv31SubprotocolIsAccepted() throws Exception {
        try (MqttTestServer s = new MqttTestServer(ch -> WebSocketTransport.addTo(ch.pipeline()))) {
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("mqttv3.1")
                    .buildAsync(URI.create("ws://127.0.0.1:" + s.port() + "/"), new Client()).get(10, TimeUnit.SECONDS);
            assertThat(ws.getSubprotocol()).isEqualTo("mqttv3.1");
            ws.abort();
        }
    }

    @Test
    void textFrameClosesTheConnection() throws Exception {
        try (MqttTestServer s = new MqttTestServer(ch -> WebSocketTransport.addTo(ch.pipeline()))) {
            Client client = new Client();
            WebSocket ws = open(HttpClient.newHttpClient(), "ws://127.0.0.1:" + s.port() + "/mqtt", client);
            ws.sendText("CONNECT", true).get(10, TimeUnit.SECONDS);
            assertThat(client.next()).isEqualTo("close:1003"); // [MQTT-6.0.0-1]
        }
    }

    @Test
    void secureWebSocketsWithTls() throws Exception {
        TestPki pki = new TestPki(dir, "WS CA");
        TestPki.Issued server = pki.server();
        SslContext tls = TlsContextFactory.create(TlsSettings.of(server.certFile(), server.keyFile()));
        try (MqttTestServer s = new MqttTestServer(ch -> WebSocketTransport.addTo(ch.pipeline(), "/",
                WebSocketTransport.DEFAULT_MAX_FRAME_PAYLOAD, tls))) {
            HttpClient https = HttpClient.newBuilder().sslContext(pki.clientContext(null, "TLS")).build();
            Client client = new Client();
            WebSocket ws = open(https, "wss://127.0.0.1:" + s.port() + "/mqtt", client);
            ws.sendBinary(ByteBuffer.wrap(CONNECT), true).get(10, TimeUnit.SECONDS);
            assertThat((byte[]) client.next()).isEqualTo(CONNACK);
            ws.sendBinary(ByteBuffer.wrap(publish("secure", "yes")), true).get(10, TimeUnit.SECONDS);
            assertThat(s.publishes.poll(10, TimeUnit.SECONDS)).isEqualTo("secure=yes");
            CompletableFuture<WebSocket> closed = ws.sendClose(WebSocket.NORMAL_CLOSURE, "").toCompletableFuture();
            closed.get(10, TimeUnit.SECONDS);
            assertThat(client.next()).isEqualTo("close:1000");
        }
    }
}
