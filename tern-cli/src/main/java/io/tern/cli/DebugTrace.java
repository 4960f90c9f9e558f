package io.tern.cli;

import io.tern.client.PacketTrace;
import io.tern.codec.Packet;

import java.io.PrintStream;

/** {@code -d}: libmosquitto's packet log lines ("Client (null) sending CONNECT", ...) on standard output. */
final class DebugTrace implements PacketTrace {

    private final PrintStream out;
    private int lastMid;

    DebugTrace(PrintStream out) {
        this.out = out;
    }

    private static String id(String clientId) {
        return clientId == null ? "(null)" : clientId;
    }

    @Override
    public void sent(String clientId, Packet packet) {
        String c = "Client " + id(clientId) + " sending ";
        if (packet instanceof Packet.Connect) {
            line(c + "CONNECT");
        } else if (packet instanceof Packet.Publish p) {
            // libmosquitto numbers QoS 0 publishes too; mirror that so the lines read the same
            int mid = p.qos() > 0 ? p.packetId() : lastMid + 1;
            lastMid = mid;
            line(c + "PUBLISH (d" + (p.dup() ? 1 : 0) + ", q" + p.qos() + ", r" + (p.retain() ? 1 : 0) + ", m"
                    + mid + ", '" + p.topic() + "', ... (" + p.payload().length + " bytes))");
        } else if (packet instanceof Packet.PubAck a) {
            line(c + "PUBACK (m" + a.packetId() + ", rc" + a.reasonCode() + ")");
        } else if (packet instanceof Packet.PubRec r) {
            line(c + "PUBREC (m" + r.packetId() + ", rc" + r.reasonCode() + ")");
        } else if (packet instanceof Packet.PubRel r) {
            line(c + "PUBREL (m" + r.packetId() + ")");
        } else if (packet instanceof Packet.PubComp r) {
            line(c + "PUBCOMP (m" + r.packetId() + ")");
        } else if (packet instanceof Packet.Subscribe s) {
            lastMid = s.packetId();
            for (Packet.Subscription sub : s.subscriptions()) {
                int options = (sub.noLocal() ? 0x04 : 0) | (sub.retainAsPublished() ? 0x08 : 0)
                        | (sub.retainHandling() << 4);
                line(c + "SUBSCRIBE (Mid: " + s.packetId() + ", Topic: " + sub.filter() + ", QoS: " + sub.qos()
                        + ", Options: 0x" + String.format("%02x", options) + ")");
            }
        } else if (packet instanceof Packet.Unsubscribe u) {
            lastMid = u.packetId();
            for (String f : u.filters()) {
                line(c + "UNSUBSCRIBE (Mid: " + u.packetId() + ", Topic: " + f + ")");
            }
        } else {
            line(c + packet.type());
        }
    }

    @Override
    public void received(String clientId, Packet packet) {
        String c = "Client " + id(clientId) + " received ";
        if (packet instanceof Packet.ConnAck a) {
            line(c + "CONNACK (" + a.reasonCode() + ")");
        } else if (packet instanceof Packet.Publish p) {
            line(c + "PUBLISH (d" + (p.dup() ? 1 : 0) + ", q" + p.qos() + ", r" + (p.retain() ? 1 : 0) + ", m"
                    + p.packetId() + ", '" + p.topic() + "', ... (" + p.payload().length + " bytes))");
        } else if (packet instanceof Packet.PubAck a) {
            line(c + "PUBACK (Mid: " + a.packetId() + ", RC:" + a.reasonCode() + ")");
        } else if (packet instanceof Packet.PubComp a) {
            line(c + "PUBCOMP (Mid: " + a.packetId() + ", RC:" + a.reasonCode() + ")");
        } else if (packet instanceof Packet.PubRec r) {
            line(c + "PUBREC (Mid: " + r.packetId() + ")");
        } else if (packet instanceof Packet.PubRel r) {
            line(c + "PUBREL (Mid: " + r.packetId() + ")");
        } else {
            line(c + packet.type());
        }
    }

    private void line(String s) {
        out.print(s + "\n");
        out.flush();
    }
}
