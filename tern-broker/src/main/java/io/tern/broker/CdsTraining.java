package io.tern.broker;

import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ConfigParser;
import io.tern.broker.config.ListenerConfig;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A broker's first minute in miniature, for the JVM to archive the classes it loads (AppCDS): the
 * distribution's build runs it once with {@code -XX:ArchiveClassesAtExit} ({@code bin/tern --make-cds-archive}),
 * and {@code bin/tern} starts every broker with that archive, which roughly halves the CPU a start-up takes.
 *
 * <p>It reads a configuration file, sets up logging, starts a broker on an ephemeral loopback port, and has an
 * MQTT 3.1.1 and an MQTT 5 client connect, subscribe, publish at QoS 0, 1 and 2, ping and disconnect; then it
 * stops the broker. Every exchange is bounded by a socket timeout. Exit status 0, or 1 when the broker
 * misbehaved (the build then fails: an archive of a broken run would be no use).
 */
public final class CdsTraining {

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("tern-cds");
        Path conf = dir.resolve("tern.conf");
        Files.writeString(conf, "allow_anonymous true\npersistence false\nmax_queued_messages 1000\n");
        int status = 0;
        try {
            if (!ConfigParser.check(conf).isEmpty()) {
                throw new IOException("training configuration rejected: " + ConfigParser.check(conf));
            }
            BrokerConfig config = ConfigParser.parse(conf);
            Capabilities.unsupported(config);
            config.addListener(new ListenerConfig(0, "127.0.0.1"));
            LogSetup.apply(LogSetup.DEFAULT_TYPES, List.of("file:" + dir.resolve("tern.log")), true, null);
            try (Broker broker = Broker.builder().config(config).build().start()) {
                converse(broker.port(), 4, "cds-v311");
                converse(broker.port(), 5, "cds-v5");
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("CdsTraining: " + e);
            status = 1;
        } finally {
            for (String f : new String[] {"tern.log", "tern.conf"}) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
        System.exit(status);
    }

    /** One client: CONNECT, SUBSCRIBE t/#, PUBLISH t/x at QoS 0, 1, 2 (and acknowledge what comes back), PING. */
    private static void converse(int port, int level, String clientId) throws IOException {
        boolean v5 = level == 5;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            str(b, "MQTT");
            b.write(level);
            b.write(0x02); // clean session / clean start
            b.write(0);
            b.write(60);
            if (v5) {
                b.write(0); // no properties
            }
            str(b, clientId);
            send(out, 0x10, b);
            expect(in, 0x20);
            b.reset();
            b.write(0);
            b.write(1);
            if (v5) {
                b.write(0);
            }
            str(b, "t/#");
            b.write(2);
            send(out, 0x82, b);
            expect(in, 0x90);
            for (int qos = 0; qos <= 2; qos++) {
                b.reset();
                str(b, "t/x");
                if (qos > 0) {
                    b.write(0);
                    b.write(10 + qos);
                }
                if (v5) {
                    b.write(0);
                }
                b.write("payload".getBytes(StandardCharsets.UTF_8));
                send(out, 0x30 | (qos << 1), b);
                // the broker's answer and our own message, in either order, with their acknowledgements
                boolean acked = qos == 0, delivered = false;
                while (!acked || !delivered) {
                    int[] p = read(in);
                    int type = p[0] >>> 4;
                    if (type == 3) {
                        int q = (p[0] >>> 1) & 3;
                        delivered = q < 2; // at QoS 2 once its PUBREL came
                        if (q > 0) {
                            ack(out, q == 1 ? 0x40 : 0x50, p[1]);
                        }
                    } else if (type == 4 || type == 7) {
                        acked = true; // PUBACK or PUBCOMP of our publish
                    } else if (type == 5) {
                        ack(out, 0x62, p[1]); // PUBREC of our publish: PUBREL
                    } else if (type == 6) {
                        ack(out, 0x70, p[1]); // PUBREL of the delivery: PUBCOMP
                        delivered = true;
                    }
                }
            }
            out.write(new byte[] {(byte) 0xC0, 0});
            expect(in, 0xD0);
            out.write(new byte[] {(byte) 0xE0, 0});
            out.flush();
        }
    }

    private static void str(ByteArrayOutputStream b, String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        b.write(u.length >>> 8);
        b.write(u.length & 0xFF);
        b.write(u, 0, u.length);
    }

    private static void send(OutputStream out, int first, ByteArrayOutputStream body) throws IOException {
        out.write(first);
        int n = body.size();
        do {
            int d = n & 0x7F;
            n >>>= 7;
            out.write(n > 0 ? d | 0x80 : d);
        } while (n > 0);
        body.writeTo(out);
        out.flush();
    }

    private static void ack(OutputStream out, int first, int packetId) throws IOException {
        out.write(new byte[] {(byte) first, 2, (byte) (packetId >>> 8), (byte) packetId});
        out.flush();
    }

    /** One packet: {first byte, packet id of a PUBLISH with QoS > 0 or of an acknowledgement, else 0}. */
    private static int[] read(DataInputStream in) throws IOException {
        int first = in.readUnsignedByte();
        int len = 0;
        for (int shift = 0; ; shift += 7) {
            int d = in.readUnsignedByte();
            len |= (d & 0x7F) << shift;
            if ((d & 0x80) == 0) {
                break;
            }
        }
        byte[] body = new byte[len];
        in.readFully(body);
        int id = 0;
        int type = first >>> 4;
        if (type == 3 && ((first >>> 1) & 3) > 0) {
            int topicLen = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            id = ((body[2 + topicLen] & 0xFF) << 8) | (body[3 + topicLen] & 0xFF);
        } else if (type >= 4 && type <= 7 && len >= 2) {
            id = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        }
        return new int[] {first, id};
    }

    private static void expect(DataInputStream in, int type) throws IOException {
        int[] p = read(in);
        if ((p[0] & 0xF0) != type) {
            throw new IOException("expected packet type 0x" + Integer.toHexString(type) + ", got 0x"
                    + Integer.toHexString(p[0]));
        }
    }
}
