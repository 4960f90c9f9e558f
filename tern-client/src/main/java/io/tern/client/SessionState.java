package io.tern.client;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;

/**
 * A client's MQTT session state that outlives one {@link MqttClient}: the packet identifiers, the outgoing
 * QoS 1/2 messages in flight (and those waiting for a window slot), and the incoming QoS 2 identifiers not yet
 * released. Give the same instance to the builder of each client that continues the session
 * ({@link MqttClient.Builder#sessionState}), one client at a time, all on the same event loop.
 *
 * <p>A client built with one behaves as Mosquitto's bridge does on every CONNACK, whatever its Session Present
 * flag: the packet ids go on from where the last connection left them; each message in flight is sent again with
 * its id and DUP, or, for a QoS 2 message the broker already answered with PUBREC, only PUBREL is sent again, so it
 * is never published twice; a QoS 2 message received again before its PUBREL is acknowledged, not delivered again.
 * A lost connection or {@link MqttClient#close()} fails none of these messages' futures: they complete when a later
 * client of the session gets the acknowledgement.
 */
public final class SessionState {

    final PacketIds ids = new PacketIds();
    final LinkedHashMap<Integer, OutPublish> inflight = new LinkedHashMap<>();
    final ArrayDeque<OutPublish> queued = new ArrayDeque<>();
    final Set<Integer> inboundQos2 = new HashSet<>();
    /** Received QoS 1/2 ids whose acknowledgement waits for the application (manual acknowledgement). */
    final Set<Integer> ackPending = new HashSet<>();
    /** Where an incoming PUBREL goes when its PUBCOMP waits for the application; null: PUBCOMP at once. */
    java.util.function.IntConsumer releases;

    /**
     * Hands each incoming PUBREL's packet id to {@code handler} instead of answering it with PUBCOMP at once; the
     * application answers with {@link MqttClient#completeRelease(int)} once it has passed the release on (a
     * bridge: to the broker it forwarded the message to, so a PUBREL resent after a restart still finds the id
     * there). Called on the client's event loop.
     */
    public void releasesTo(java.util.function.IntConsumer handler) {
        this.releases = handler;
    }

    /**
     * Takes the packet ids of new flows (SUBSCRIBE, UNSUBSCRIBE, publishes without an id of their own) from
     * {@code source} first, skipping one in use; a value outside 1..65535 means none, and this session's own
     * counter is used. A bridge gives the counter of its local session's deliveries, whose ids its forwarded
     * publishes keep ({@link MqttClient#publish(MqttMessage, int, boolean)}): one numbering, as Mosquitto's
     * bridge has, so its SUBSCRIBEs rarely meet an id a forwarded message needs (that one waits until it is free).
     * Called on the client's event loop.
     */
    public void packetIdsFrom(java.util.function.IntSupplier source) {
        ids.source = source;
    }

    /**
     * Forgets the outgoing messages (in flight and waiting), failing their futures, as a session that starts
     * clean does; Mosquitto's bridge does this at each connection attempt with {@code local_cleansession}.
     */
    public void discardOutgoing() {
        failOutgoing(new MqttClientException("discarded with the session"));
    }

    /** Fails the futures of the outgoing messages (in flight and waiting) with {@code cause} and forgets them. */
    void failOutgoing(Throwable cause) {
        for (OutPublish o : inflight.values()) {
            ids.release(o.packetId);
            o.fail(cause);
        }
        inflight.clear();
        queued.forEach(o -> o.fail(cause));
        queued.clear();
    }

    /**
     * Forgets the incoming QoS 2 ids not yet released, as a session that starts clean does (a bridge with
     * {@code cleansession true}: the remote starts a new session too, and sends nothing again).
     */
    public void discardIncoming() {
        inboundQos2.clear();
        ackPending.clear();
    }

    /** Outgoing QoS 1/2 messages sent and not yet completely acknowledged. */
    public int inflightCount() {
        return inflight.size();
    }

    /** Outgoing messages waiting for the connection or a window slot. */
    public int queuedCount() {
        return queued.size();
    }

    /** Incoming QoS 2 packet ids acknowledged with PUBREC and not yet released by PUBREL. */
    public Set<Integer> unreleasedIncoming() {
        return Set.copyOf(inboundQos2);
    }
}
