package io.tern.broker.e2e;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tern.codec.MqttDecoder;
import io.tern.codec.MqttEncoder;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/** A bare-socket MQTT client: sends exactly the packets a test chooses and returns what the broker answers. */
final class RawMqtt implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final MqttVersion version;
    private final EmbeddedChannel decoder;
    private final ArrayDeque<Packet> received = new ArrayDeque<>();

    RawMqtt(int port, MqttVersion version) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        this.socket.setSoTimeout(10_000);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.version = version;
        this.decoder = new EmbeddedChannel(new MqttDecoder(version, 0));
    }

    /** One CONNECT (clean, keep-alive 60) and its CONNACK. */
    static Packet.ConnAck connect(int port, MqttVersion version, String clientId, String username, String password)
            throws IOException {
        try (RawMqtt c = new RawMqtt(port, version)) {
            return c.connect(clientId, username, password);
        }
    }

    Packet.ConnAck connect(String clientId, String username, String password) throws IOException {
        send(new Packet.Connect(version, clientId, true, 60, username,
                password == null ? null : password.getBytes(StandardCharsets.UTF_8), null, Properties.EMPTY));
        return (Packet.ConnAck) next();
    }

    Packet.SubAck subscribe(int packetId, String... filters) throws IOException {
        send(new Packet.Subscribe(packetId, java.util.Arrays.stream(filters).map(f -> new Packet.Subscription(f, 1)).toList(),
                Properties.EMPTY));
        return (Packet.SubAck) next();
    }

    void send(Packet p) throws IOException {
        ByteBuf b = MqttEncoder.encode(p, version, ByteBufAllocator.DEFAULT);
        try {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.write(bytes);
            out.flush();
        } finally {
            b.release();
        }
    }

    /** The next packet, waiting at most the socket timeout; throws when the broker closed the connection. */
    Packet next() throws IOException {
        byte[] buf = new byte[8192];
        while (received.isEmpty()) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("connection closed by the broker");
            }
            decoder.writeInbound(Unpooled.copiedBuffer(buf, 0, n));
            Object o;
            while ((o = decoder.readInbound()) != null) {
                received.add((Packet) o);
            }
        }
        return received.poll();
    }

    /** True when the broker closes the connection within the socket timeout without sending anything more. */
    boolean closedByBroker() throws IOException {
        try {
            Packet p = next();
            throw new AssertionError("expected the connection to close, got " + p);
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    List<Packet> pending() { return List.copyOf(received); }

    @Override
    public void close() throws IOException {
        socket.close();
        decoder.finishAndReleaseAll();
    }
}
