package io.tern.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.tern.broker.Broker;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge's CONNECT as a raw remote sees it: Mosquitto's bridge bit, and the fall-backs when a remote refuses
 * (a 3.1.1 broker refusing 5.0, a broker refusing the bridge bit), as src/handle_connack.c does.
 */
class BridgeConnectTest {

    @TempDir
    Path dir;

    /** Reads one CONNECT and returns its protocol level byte. */
    private static int connectLevel(Socket s) throws IOException {
        s.setSoTimeout((int) Peers.WAIT.toMillis());
        DataInputStream in = new DataInputStream(s.getInputStream());
        assertThat(in.readUnsignedByte()).as("CONNECT").isEqualTo(0x10);
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
        int nameLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        return body[2 + nameLength] & 0xFF;
    }

    private static void refuseWithUnacceptableVersion(Socket s) throws IOException {
        s.getOutputStream().write(new byte[] {0x20, 0x02, 0x00, 0x01}); // 3.1.1 CONNACK, return code 1
        s.getOutputStream().flush();
        s.close();
    }

    @Test
    void v5FallsBackTo311AndTheBridgeBitIsDroppedWhenRefused() throws Exception {
        try (ServerSocket remote = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Broker l = Peers.tern(dir, "local", 0, "connection b1\naddress 127.0.0.1:" + remote.getLocalPort()
                     + "\nremote_clientid bridge-b1\nrestart_timeout 1\nbridge_protocol_version mqttv50\n"
                     + "topic t/# out 1\n")) {
            remote.setSoTimeout((int) Peers.WAIT.toMillis());
            try (Socket first = remote.accept()) {
                assertThat(connectLevel(first)).as("MQTT 5, no bridge bit (Mosquitto's v5 bridges use No Local)")
                        .isEqualTo(5);
                refuseWithUnacceptableVersion(first);
            }
            try (Socket second = remote.accept()) {
                assertThat(connectLevel(second)).as("3.1.1 with the bridge bit").isEqualTo(0x84);
                refuseWithUnacceptableVersion(second);
            }
            try (Socket third = remote.accept()) {
                assertThat(connectLevel(third)).as("3.1.1 without the bridge bit (try_private refused)")
                        .isEqualTo(0x04);
            }
        }
    }

    @Test
    void tryPrivateFalseSendsAPlainLevel() throws Exception {
        try (ServerSocket remote = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Broker l = Peers.tern(dir, "local", 0, "connection b1\naddress 127.0.0.1:" + remote.getLocalPort()
                     + "\ntry_private false\nbridge_protocol_version mqttv31\ntopic t/# out 1\n")) {
            remote.setSoTimeout((int) Peers.WAIT.toMillis());
            try (Socket s = remote.accept()) {
                assertThat(connectLevel(s)).isEqualTo(3);
            }
        }
    }
}
