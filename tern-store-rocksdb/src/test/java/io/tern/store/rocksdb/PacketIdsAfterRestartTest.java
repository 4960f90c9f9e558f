package io.tern.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ConfigParser;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A persistent session's outgoing packet ids go on after a restart, as Mosquitto's do (it saves the client's
 * last_mid): the suite's 06-bridge-clean-session and 11-persistent-subscription-no-local expect the id after
 * the last one used. Any id not in flight would do [MQTT-2.2.1-3]; this is Mosquitto's choice.
 */
class PacketIdsAfterRestartTest {

    @TempDir
    Path dir;

    private Broker start() throws Exception {
        Path conf = dir.resolve("tern.conf");
        Files.writeString(conf, "listener 1883 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location "
                + dir.resolve("store") + "/\n");
        BrokerConfig c = ConfigParser.parse(conf);
        c.listeners().get(0).port(0);
        return Broker.builder().config(c).build().start();
    }

    @Test
    void theNextIdAfterARestartFollowsTheLastOneSent() throws Exception {
        try (Broker b = start(); Socket sub = connect(b.port(), "sub"); Socket pub = connect(b.port(), "pub")) {
            send(sub, 0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x01); // SUBSCRIBE t QoS 1
            assertThat(read(sub)[0]).as("SUBACK").isEqualTo((byte) 0x90);
            publish(pub, 1);
            byte[] p = read(sub);
            assertThat(p[0] & 0xF6).as("PUBLISH QoS 1").isEqualTo(0x32);
            assertThat(publishId(p)).isEqualTo(1);
            send(sub, 0x40, 0x02, 0x00, 0x01);
            publish(pub, 2);
            assertThat(publishId(read(sub))).isEqualTo(2);
            send(sub, 0x40, 0x02, 0x00, 0x02);
            send(sub, 0xC0, 0x00); // PINGREQ: a round trip so the PUBACKs were read before the close
            assertThat(read(sub)[0]).as("PINGRESP").isEqualTo((byte) 0xD0);
        }
        try (Broker b = start(); Socket sub = connect(b.port(), "sub"); Socket pub = connect(b.port(), "pub")) {
            publish(pub, 3);
            assertThat(publishId(read(sub))).as("numbering goes on, not back to 1").isEqualTo(3);
        }
    }

    /** A 3.1.1 connection with a persistent session. */
    private static Socket connect(int port, String id) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(20_000);
        byte[] cid = id.getBytes(StandardCharsets.UTF_8);
        int[] head = {0x10, 10 + 2 + cid.length, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 60, 0, cid.length};
        send(s, head);
        s.getOutputStream().write(cid);
        byte[] ack = read(s);
        assertThat(ack[0]).as("CONNACK").isEqualTo((byte) 0x20);
        assertThat(ack[3]).as("accepted").isZero();
        return s;
    }

    /** PUBLISH t QoS 1 with packet id {@code id}, answered by PUBACK. */
    private static void publish(Socket pub, int id) throws IOException {
        send(pub, 0x32, 0x06, 0x00, 0x01, 't', 0x00, id, 'x');
        assertThat(read(pub)[0]).as("PUBACK").isEqualTo((byte) 0x40);
    }

    private static int publishId(byte[] p) {
        int topicLength = ((p[2] & 0xFF) << 8) | (p[3] & 0xFF);
        return ((p[4 + topicLength] & 0xFF) << 8) | (p[5 + topicLength] & 0xFF);
    }

    private static void send(Socket s, int... bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        for (int b : bytes) {
            out.write(b);
        }
        out.flush();
    }

    /** One packet (remaining length below 128 in this test), fixed header included. */
    private static byte[] read(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        int h = in.readUnsignedByte();
        int len = in.readUnsignedByte();
        byte[] p = new byte[2 + len];
        p[0] = (byte) h;
        p[1] = (byte) len;
        in.readFully(p, 2, len);
        return p;
    }
}
