package io.tern.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tern.codec.MqttDecoder;
import io.tern.codec.MqttEncoder;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the broker ends a connection while the client is still sending, the client must still read the
 * DISCONNECT (or CONNACK) that says why: closing a socket with unread input makes the kernel answer with a
 * reset, and the peer's kernel then throws away what it had not yet read. The broker flushes, shuts its
 * output down, discards input for a bounded time, and only then closes.
 */
class GracefulCloseTest {

    /** 1 kB payloads: enough unread input at the broker to make a plain close reset the connection. */
    private static final byte[] PAYLOAD = new byte[1024];

    @Test
    void clientThatKeepsSendingPastReceiveMaximumStillReadsDisconnect0x93() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> c.maxInflightMessages(20));
             Socket socket = new Socket("127.0.0.1", broker.port())) {
            assertDisconnect0x93AfterFlood(socket, 2000);
        }
    }

    @Test
    void overTlsTooTheClientReadsDisconnect0x93(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        io.tern.broker.transport.TestPki pki = new io.tern.broker.transport.TestPki(dir, "ca");
        io.tern.broker.transport.TestPki.Issued server = pki.server();
        try (TestBroker broker = TestBroker.start(c -> c.maxInflightMessages(20).addListener(
                new io.tern.broker.config.ListenerConfig(0, "127.0.0.1").certfile(server.certFile().toString())
                        .keyfile(server.keyFile().toString())))) {
            int tlsPort = broker.broker.boundAddresses().get(1).getPort();
            javax.net.ssl.SSLContext tls = pki.clientContext(null, "TLSv1.3");
            try (Socket socket = tls.getSocketFactory().createSocket("127.0.0.1", tlsPort)) {
                // the broker sends close_notify after the DISCONNECT, then shuts its output down; 500 kB
                // behind the 21st PUBLISH are still far more than the broker reads before it closes, and a
                // loaded machine encrypts and decrypts them well within the broker's 1 s of discarding input
                assertDisconnect0x93AfterFlood(socket, 500);
            }
        }
    }

    private static void assertDisconnect0x93AfterFlood(Socket socket, int publishes) throws Exception {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write(bytes(new Packet.Connect(MqttVersion.MQTT_5, "flooder", true, 60, null, null, null,
                Properties.EMPTY)));
        out.flush();
        // 21 unfinished QoS 2 PUBLISHes against the broker's Receive Maximum of 20, and many more behind
        // them, written without waiting for anything [MQTT-3.3.4-9]
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                for (int id = 1; id <= publishes; id++) {
                    out.write(bytes(new Packet.Publish("flood/" + id, 2, false, false, id, PAYLOAD,
                            Properties.EMPTY)));
                }
                out.flush();
            } catch (IOException e) {
                // a client library gives up here and never reads the DISCONNECT waiting for it
                throw new AssertionError("the client's writes failed (" + e.getMessage()
                        + "): the broker reset the connection instead of reading and discarding", e);
            }
        });
        // the client reads only once it has sent everything, as a busy client does
        writer.get(20, TimeUnit.SECONDS);
        List<Packet> got = readAll(in, MqttVersion.MQTT_5);

        assertThat(got.get(0)).isInstanceOf(Packet.ConnAck.class);
        assertThat(((Packet.ConnAck) got.get(0)).properties().intValue(PropertyId.RECEIVE_MAXIMUM, 0))
                .isEqualTo(20);
        assertThat(got.subList(1, got.size() - 1)).hasSize(20).allMatch(p -> p instanceof Packet.PubRec);
        Packet last = got.get(got.size() - 1);
        assertThat(last).isInstanceOf(Packet.Disconnect.class);
        assertThat(((Packet.Disconnect) last).reasonCode()).isEqualTo(0x93); // Receive Maximum exceeded
    }

    @Test
    void refusedClientThatKeepsSendingStillReadsItsConnack() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> c.allowAnonymous(false));
             Socket socket = new Socket("127.0.0.1", broker.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            ByteBuf burst = Unpooled.buffer();
            burst.writeBytes(bytes(new Packet.Connect(MqttVersion.MQTT_3_1_1, "anon", true, 60, null, null, null,
                    Properties.EMPTY)));
            // a 3.1.1 client may send before its CONNACK [MQTT-3.1.4-5 note]; this one sends a lot
            for (int id = 1; id <= 500; id++) {
                burst.writeBytes(bytes(new Packet.Publish("early/" + id, 1, false, false, id, PAYLOAD,
                        Properties.EMPTY)));
            }
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    out.write(burst.array(), burst.arrayOffset(), burst.readableBytes());
                    out.flush();
                } catch (IOException e) {
                    throw new AssertionError("the client's writes failed (" + e.getMessage()
                            + "): the broker reset the connection instead of reading and discarding", e);
                }
            });
            writer.get(20, TimeUnit.SECONDS);
            List<Packet> got = readAll(in, MqttVersion.MQTT_3_1_1);
            assertThat(got).hasSize(1).first().isInstanceOf(Packet.ConnAck.class);
            assertThat(((Packet.ConnAck) got.get(0)).reasonCode()).isEqualTo(5); // not authorised
        }
    }

    private static byte[] bytes(Packet p) {
        MqttVersion v = p instanceof Packet.Connect c ? c.version() : MqttVersion.MQTT_5;
        ByteBuf b = MqttEncoder.encode(p, v, ByteBufAllocator.DEFAULT);
        try {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            return bytes;
        } finally {
            b.release();
        }
    }

    /** Reads packets until the broker's end of stream; a reset fails the test with what had arrived. */
    private static List<Packet> readAll(InputStream in, MqttVersion version) {
        EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder(version, 0));
        List<Packet> got = new ArrayList<>();
        byte[] buf = new byte[8192];
        try {
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    throw new AssertionError("connection failed (" + e.getMessage() + ") after " + got, e);
                }
                if (n < 0) {
                    return got;
                }
                decoder.writeInbound(Unpooled.wrappedBuffer(buf, 0, n));
                Object o;
                while ((o = decoder.readInbound()) != null) {
                    got.add((Packet) o);
                }
            }
        } finally {
            decoder.finishAndReleaseAll();
        }
    }
}
