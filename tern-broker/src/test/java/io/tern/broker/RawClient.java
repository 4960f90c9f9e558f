package io.tern.broker;

import io.netty.buffer.ByteBuf;
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
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A bare-socket MQTT peer for tests that need to send exactly the bytes they choose (malformed packets,
 * unacknowledged deliveries, abrupt closes) and see exactly what the broker answers.
 */
public final class RawClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final MqttVersion version;
    private final EmbeddedChannel decoder;
    private final ArrayDeque<Packet> received = new ArrayDeque<>();

    public RawClient(int port, MqttVersion version) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        this.socket.setSoTimeout(10_000);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.version = version;
        this.decoder = new EmbeddedChannel(new MqttDecoder(version, 0));
    }

    public RawClient(int port) throws IOException {
        this(port, MqttVersion.MQTT_3_1_1);
    }

    /** The client's end of the socket, as the broker sees its remote address. */
    public int localPort() { return socket.getLocalPort(); }

    public void sendBytes(byte... bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void send(Packet p) throws IOException {
        ByteBuf b = MqttEncoder.encode(p, version, io.netty.buffer.ByteBufAllocator.DEFAULT);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        sendBytes(bytes);
    }

    /** CONNECT and wait for CONNACK. */
    public Packet.ConnAck connect(String clientId, boolean clean, int keepAlive, Packet.Will will) throws IOException {
        send(new Packet.Connect(version, clientId, clean, keepAlive, null, null, will, Properties.EMPTY));
        return (Packet.ConnAck) next();
    }

    /** MQTT 5 CONNECT with properties; waits for CONNACK. */
    public Packet.ConnAck connect(String clientId, boolean clean, int keepAlive, Packet.Will will, Properties props)
            throws IOException {
        send(new Packet.Connect(version, clientId, clean, keepAlive, null, null, will, props));
        return (Packet.ConnAck) next();
    }

    /** CONNECT (clean, keep-alive 60) with credentials; waits for CONNACK. */
    public Packet.ConnAck connect(String clientId, String username, String password) throws IOException {
        send(new Packet.Connect(version, clientId, true, 60, username,
                password == null ? null : password.getBytes(java.nio.charset.StandardCharsets.UTF_8), null,
                Properties.EMPTY));
        return (Packet.ConnAck) next();
    }

    /** One connection, one CONNECT with credentials, its CONNACK, and close. */
    public static Packet.ConnAck connectOnce(int port, MqttVersion version, String clientId, String username,
                                             String password) throws IOException {
        try (RawClient c = new RawClient(port, version)) {
            return c.connect(clientId, username, password);
        }
    }

    /** SUBSCRIBE at QoS 1 to each filter; waits for SUBACK. */
    public Packet.SubAck subscribe(int packetId, String... filters) throws IOException {
        send(new Packet.Subscribe(packetId,
                java.util.Arrays.stream(filters).map(f -> new Packet.Subscription(f, 1)).toList(), Properties.EMPTY));
        return (Packet.SubAck) next();
    }

    /** True when the broker closes the connection within the socket timeout without sending anything more. */
    public boolean closedByBroker() throws IOException {
        try {
            Packet p = next();
            throw new AssertionError("expected the connection to close, got " + p);
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Packets already read but not yet taken. */
    public List<Packet> pending() { return List.copyOf(received); }

    public Packet.ConnAck connect(String clientId) throws IOException {
        return connect(clientId, true, 60, null);
    }

    /** The next packet from the broker, waiting up to the socket timeout; throws at EOF. */
    public Packet next() throws IOException {
        while (received.isEmpty()) {
            byte[] buf = new byte[8192];
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("connection closed by broker");
            }
            decoder.writeInbound(Unpooled.wrappedBuffer(buf, 0, n));
            Object o;
            while ((o = decoder.readInbound()) != null) {
                received.add((Packet) o);
            }
        }
        return received.poll();
    }

    /** Reads until the broker closes the connection; returns the packets it sent before closing. */
    public List<Packet> readUntilClosed() throws IOException {
        List<Packet> got = new java.util.ArrayList<>();
        try {
            while (true) {
                got.add(next());
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("broker did not close the connection; got " + got, e);
        } catch (IOException e) {
            return got;
        }
    }

    public void setTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        decoder.finishAndReleaseAll();
    }
}
