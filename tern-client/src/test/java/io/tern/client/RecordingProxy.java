package io.tern.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tern.codec.MqttDecoder;
import io.tern.codec.Packet;
import io.tern.codec.PropertyId;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 in front of a broker that decodes what its clients send (tern-codec's server-mode
 * decoder): a test sees on the wire what a client put in its packets, e.g. its topic aliases. It can also hold a
 * client's bytes back (recorded, not forwarded) and cut every connection, as a network failure would.
 */
public final class RecordingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int upstreamPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile boolean hold;
    private volatile boolean closed;

    private RecordingProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "recording-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy on a free port forwarding to 127.0.0.1:{@code upstreamPort}. */
    public static RecordingProxy start(int upstreamPort) throws IOException {
        return new RecordingProxy(upstreamPort);
    }

    public int port() {
        return server.getLocalPort();
    }

    public String tcpUri() {
        return "tcp://127.0.0.1:" + port();
    }

    /** How many client connections reached the broker behind the proxy so far. */
    public int connections() {
        return links.size();
    }

    /** The PUBLISH packets the client of connection {@code index} (0 = the first) sent, in order. */
    public List<Packet.Publish> publishes(int index) {
        List<Packet.Publish> out = new ArrayList<>();
        for (Packet p : links.get(index).sent) {
            if (p instanceof Packet.Publish pub) {
                out.add(pub);
            }
        }
        return out;
    }

    /** Every PUBLISH of every connection, in order. */
    public List<Packet.Publish> publishes() {
        List<Packet.Publish> out = new ArrayList<>();
        for (int i = 0; i < links.size(); i++) {
            out.addAll(publishes(i));
        }
        return out;
    }

    /**
     * The topic each PUBLISH of connection {@code index} stands for, resolving its topic aliases as a receiver
     * does; fails on an alias used before it was set up on that connection [MQTT-3.3.2-7].
     */
    public List<String> resolvedTopics(int index) {
        Map<Integer, String> aliases = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (Packet.Publish p : publishes(index)) {
            Integer alias = (Integer) p.properties().get(PropertyId.TOPIC_ALIAS);
            String topic = p.topic();
            if (alias != null) {
                if (topic.isEmpty()) {
                    topic = aliases.get(alias);
                    if (topic == null) {
                        throw new AssertionError("connection " + index + ": alias " + alias + " used before it was set");
                    }
                } else {
                    aliases.put(alias, topic);
                }
            }
            out.add(topic);
        }
        return out;
    }

    /**
     * While on, what clients send is recorded and dropped, not forwarded: their messages stay unacknowledged.
     * Meant to be followed by {@link #dropAll()} (a packet cut in half would confuse the broker).
     */
    public void hold(boolean on) {
        this.hold = on;
    }

    /** Cuts every open connection on both sides. */
    public void dropAll() {
        for (Link l : links) {
            l.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        dropAll();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(new InetSocketAddress("127.0.0.1", upstreamPort), 2000);
            } catch (IOException e) {
                close(client); // the broker is down: the client sees a closed connection
                close(upstream);
                continue;
            }
            Link l = new Link(client, upstream);
            links.add(l);
            l.start();
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** One client connection and its broker connection. */
    private final class Link {
        final Socket client;
        final Socket upstream;
        final List<Packet> sent = new CopyOnWriteArrayList<>();
        final EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder(0));

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            Thread up = new Thread(this::clientToBroker, "recording-proxy-up");
            Thread down = new Thread(() -> pump(upstream, client), "recording-proxy-down");
            up.setDaemon(true);
            down.setDaemon(true);
            up.start();
            down.start();
        }

        private void clientToBroker() {
            byte[] buf = new byte[16384];
            try (InputStream in = client.getInputStream(); OutputStream out = upstream.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    decoder.writeInbound(Unpooled.copiedBuffer(buf, 0, n));
                    Object p;
                    while ((p = decoder.readInbound()) != null) {
                        sent.add((Packet) p);
                    }
                    if (!hold) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (Exception ignored) {
                // a side closed, or the decoder found a malformed packet: the test sees what was recorded
            } finally {
                close();
            }
        }

        private void pump(Socket from, Socket to) {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // a side closed
            } finally {
                close();
            }
        }

        void close() {
            RecordingProxy.close(client);
            RecordingProxy.close(upstream);
        }
    }
}
