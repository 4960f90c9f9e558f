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
final class RawClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final MqttVersion version;
    private final EmbeddedChannel decoder;
    private final ArrayDeque<Packet> received = new ArrayDeque<>();

    RawClient(int port, MqttVersion version) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        this.socket.setSoTimeout(5000);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.version = version;
        this.decoder = new EmbeddedChannel(new MqttDecoder(version, 0));
    }

    RawClient(int port) throws IOException {
        this(port, MqttVersion.MQTT_3_1_1);
    }

    void sendBytes(byte... bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void send(Packet p) throws IOException {
        ByteBuf b = MqttEncoder.encode(p, version, io.netty.buffer.ByteBufAllocator.DEFAULT);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        sendBytes(bytes);
    }

    /** CONNECT and wait for CONNACK. */
    Packet.ConnAck connect(String clientId, boolean clean, int keepAlive, Packet.Will will) throws IOException {
        send(new Packet.Connect(version, clientId, clean, keepAlive, null, null, will, Properties.EMPTY));
        return (Packet.ConnAck) next();
    }

    /** MQTT 5 CONNECT with properties; waits for CONNACK. */
    Packet.ConnAck connect(String clientId, boolean clean, int keepAlive, Packet.Will will, Properties props)
            throws IOException {
        send(new Packet.Connect(version, clientId, clean, keepAlive, null, null, will, props));
        return (Packet.ConnAck) next();
    }

    Packet.ConnAck connect(String clientId) throws IOException {
        return connect(clientId, true, 60, null);
    }

    /** The next packet from the broker, waiting up to the socket timeout; throws at EOF. */
    Packet next() throws IOException {
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
    List<Packet> readUntilClosed() throws IOException {
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

    void setTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        decoder.finishAndReleaseAll();
    }
}
