package io.tern.bridge;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy between a bridge and its remote broker that reads the MQTT packets going through and breaks the
 * link once, at a chosen packet: the {@code nth} packet of {@code type} in one direction is forwarded (or
 * swallowed) and then both connections are closed. Later connections pass untouched.
 */
final class CuttingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final boolean towardsRemote;
    private final int type;
    private final int nth;
    private final boolean forwardIt;
    private final AtomicInteger seen = new AtomicInteger();
    private final AtomicBoolean cut = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * @param towardsRemote the packet to cut at goes bridge to remote (true) or remote to bridge
     * @param type          its MQTT packet type (5 PUBREC, ...)
     * @param nth           which one of them (1 = the first)
     * @param forwardIt     whether that packet still gets through before the cut
     */
    CuttingProxy(int targetPort, boolean towardsRemote, int type, int nth, boolean forwardIt) throws IOException {
        this.targetPort = targetPort;
        this.towardsRemote = towardsRemote;
        this.type = type;
        this.nth = nth;
        this.forwardIt = forwardIt;
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "cutting-proxy");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Whether the link was broken. */
    boolean didCut() {
        return cut.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket bridge = server.accept();
                Socket remote = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                pump(bridge, remote, towardsRemote);
                pump(remote, bridge, !towardsRemote);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to, boolean watched) {
        Thread t = new Thread(() -> {
            try (from; to) {
                DataInputStream in = new DataInputStream(from.getInputStream());
                OutputStream out = to.getOutputStream();
                while (true) {
                    byte[] packet = readPacket(in);
                    boolean cutHere = watched && !cut.get() && (packet[0] & 0xF0) >> 4 == type
                            && seen.incrementAndGet() == nth && cut.compareAndSet(false, true);
                    if (!cutHere || forwardIt) {
                        out.write(packet);
                        out.flush();
                    }
                    if (cutHere) {
                        return; // closes both sockets; the other pump ends on its closed socket
                    }
                }
            } catch (IOException e) {
                // the link is gone
            }
        }, "cutting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** One whole MQTT packet: fixed header, remaining length, body. */
    private static byte[] readPacket(DataInputStream in) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(in.readUnsignedByte());
        int len = 0;
        int shift = 0;
        int x;
        do {
            x = in.readUnsignedByte();
            b.write(x);
            len |= (x & 0x7F) << shift;
            shift += 7;
        } while ((x & 0x80) != 0);
        byte[] body = new byte[len];
        in.readFully(body);
        b.write(body);
        return b.toByteArray();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
