package io.tern.bridge;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;

/**
 * A remote broker played byte by byte, as Mosquitto's own bridge tests do (test/broker/06-bridge-*.py): it
 * accepts the bridge's connections one at a time and reads and writes raw MQTT packets.
 */
final class RawRemote implements AutoCloseable {

    /** One packet: the first header byte and the body after the remaining length. */
    record Raw(int header, byte[] body) {
        int type() {
            return header >> 4;
        }

        boolean dup() {
            return (header & 0x08) != 0;
        }

        /** The packet id of a PUBACK/PUBREC/PUBREL/PUBCOMP/SUBSCRIBE/UNSUBSCRIBE. */
        int id() {
            return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        }

        /** The packet id of a QoS 1/2 PUBLISH. */
        int publishId() {
            int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            return ((body[2 + topicLength] & 0xFF) << 8) | (body[3 + topicLength] & 0xFF);
        }

        String publishTopic() {
            int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            return new String(body, 2, topicLength, java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "type " + type() + " flags " + (header & 0x0F) + " body " + Arrays.toString(body);
        }
    }

    private final ServerSocket server;
    private Socket socket;
    private DataInputStream in;

    RawRemote() throws IOException {
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        server.setSoTimeout((int) Peers.WAIT.toMillis());
    }

    int port() {
        return server.getLocalPort();
    }

    /** Waits for the bridge's next connection. */
    RawRemote accept() throws IOException {
        drop();
        socket = server.accept();
        socket.setSoTimeout((int) Peers.WAIT.toMillis());
        in = new DataInputStream(socket.getInputStream());
        return this;
    }

    Raw read() throws IOException {
        int header = in.readUnsignedByte();
        int len = 0;
        int shift = 0;
        int b;
        do {
            b = in.readUnsignedByte();
            len |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        byte[] body = new byte[len];
        in.readFully(body);
        return new Raw(header, body);
    }

    /** Reads the next packet, which must be of {@code type}. */
    Raw expect(int type) throws IOException {
        Raw r = read();
        if (r.type() != type) {
            throw new AssertionError("expected packet type " + type + ", got " + r);
        }
        return r;
    }

    void send(int... bytes) throws IOException {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        socket.getOutputStream().write(b);
        socket.getOutputStream().flush();
    }

    /** CONNECT read, 3.1.1 CONNACK (no session present) sent. */
    void handshake() throws IOException {
        expect(1);
        send(0x20, 0x02, 0x00, 0x00);
    }

    /** SUBSCRIBE read and granted at {@code qos} (3.1.1); returns its packet id. */
    int subscribed(int qos) throws IOException {
        int id = expect(8).id();
        send(0x90, 0x03, id >> 8, id & 0xFF, qos);
        return id;
    }

    /** A QoS {@code qos} PUBLISH of {@code topic}, empty payload, to the bridge (3.1.1). */
    void publish(String topic, int qos, int id, boolean dup) throws IOException {
        byte[] t = topic.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[] p = new int[2 + t.length + 2 + 2];
        p[0] = 0x30 | (qos << 1) | (dup ? 0x08 : 0);
        p[1] = 2 + t.length + 2;
        p[2] = t.length >> 8;
        p[3] = t.length & 0xFF;
        for (int i = 0; i < t.length; i++) {
            p[4 + i] = t[i] & 0xFF;
        }
        p[4 + t.length] = id >> 8;
        p[5 + t.length] = id & 0xFF;
        send(Arrays.copyOf(p, 6 + t.length));
    }

    /** Closes the current connection (the link breaks). */
    void drop() throws IOException {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }

    @Override
    public void close() throws IOException {
        drop();
        server.close();
    }
}
