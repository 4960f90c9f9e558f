package io.tern.broker;

import io.netty.util.concurrent.EventExecutor;
import io.tern.broker.config.ListenerConfig;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;

/**
 * An MQTT connection to this broker from inside the process, without a socket: the in-process client (a
 * bridge's local side) hands packets to {@link #receive(Packet)} and gets the broker's packets through its
 * {@link Peer}. The broker treats it as any client: CONNECT opens or resumes a session (durable in the store
 * when persistence is on and the session outlives the connection), PUBLISH is routed with the ACL, QoS 1/2
 * deliveries wait in the session's in-flight window for the peer's acknowledgements and are resent after a
 * reconnect.
 *
 * <p>Authentication is skipped: the operator who configured the in-process client is trusted, as Mosquitto
 * trusts its bridges. A CONNECT with a username is authorised by the ACL as that user; without one, no ACL
 * applies (Mosquitto 2.0 does not apply {@code acl_file} to bridges).
 *
 * <p>Everything runs on {@link #executor()}: call {@link #receive} there, and the peer is called there.
 * Open one with {@link Broker#openLocal(EventExecutor, Peer)}.
 */
public final class LocalConnection implements Connection {

    /** The in-process client's side. Called on the connection's executor. */
    public interface Peer {

        /** A packet from the broker: CONNACK, PUBLISH, PUBACK, SUBACK, ... */
        void onPacket(Packet packet);

        /** The broker closed the connection (refused CONNECT, protocol error, takeover, shutdown). */
        void onClosed();
    }

    private final Broker broker;
    private final EventExecutor executor;
    private final Peer peer;
    private final ProtocolHandler protocol;
    private final String name;
    private boolean closed;
    private boolean writable = true;

    LocalConnection(Broker broker, EventExecutor executor, Peer peer, String name) {
        this.broker = broker;
        this.executor = executor;
        this.peer = peer;
        this.name = name;
        this.protocol = new ProtocolHandler(broker, this);
    }

    /** Hands a packet from the in-process client to the broker; call on {@link #executor()}. */
    public void receive(Packet packet) {
        if (!closed) {
            broker.stats().messagesReceived.increment();
            protocol.onPacket(packet);
        }
    }

    /**
     * Whether the client can take more deliveries now; when it turns true again the session sends what
     * waited. The in-flight window bounds QoS 1/2 anyway; this also holds back QoS 0.
     */
    public void writable(boolean now) {
        boolean was = writable;
        writable = now;
        if (now && !was && !closed) {
            protocol.onWritable();
        }
    }

    /** Ends the connection from the client's side, as a lost socket would (no DISCONNECT: the will is sent). */
    public void disconnect() {
        if (!closed) {
            closed = true;
            protocol.onClosed();
        }
    }

    /**
     * A packet id from the numbering of this connection's session's deliveries, which go on after it, for the
     * in-process client to use towards someone else: a bridge numbers its SUBSCRIBEs to the remote broker this way,
     * since it forwards deliveries under their ids, as Mosquitto's bridge numbers both from one counter. 0 before
     * the session is there (CONNECT not handled) or after the connection closed. Call on {@link #executor()}.
     */
    public int takePacketId() {
        Session s = closed ? null : protocol.session();
        return s == null ? 0 : s.takePacketId();
    }

    /**
     * The inbound QoS 2 packet ids the session holds for this client until its PUBREL (after a restart: those
     * restored from the store); empty before the session is there. Call on {@link #executor()}.
     */
    public java.util.Set<Integer> awaitingRelease() {
        Session s = closed ? null : protocol.session();
        return s == null ? java.util.Set.of() : s.awaitingRelease();
    }

    /**
     * Runs {@code then} on {@link #executor()} once every store write made so far is durable (the packet id and
     * PUBREC state of a delivery the broker just sent: the store keeps writes in memory until its group commit);
     * at once without persistence. A bridge acts on a delivery or a PUBREL towards its remote only then, so a
     * crash cannot undo what the remote was told. Nothing runs when the broker is shutting down.
     */
    public void afterStored(Runnable then) {
        Durability dur = broker.durability();
        if (dur == null) {
            then.run();
            return;
        }
        dur.store().syncWithPacketIds(() -> {
            try {
                executor.execute(then);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down: the session resends after the restart
            }
        });
    }

    /** Whether the broker or the client closed this connection. */
    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- Connection

    @Override
    public void send(Packet packet) {
        if (!closed) {
            broker.stats().messagesSent.increment();
            peer.onPacket(packet);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // as a socket's close: the protocol hears of it afterwards, not in the middle of what it is doing
        executor.execute(() -> {
            protocol.onClosed();
            peer.onClosed();
        });
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public EventExecutor executor() {
        return executor;
    }

    @Override
    public String remoteAddress() {
        return name;
    }

    @Override
    public ListenerConfig listener() {
        return broker.localListener();
    }

    @Override
    public void protocolVersion(MqttVersion version) {
        // no encoder: packets pass as they are
    }

    @Override
    public void keepAliveTimeout(long millis) {
        // the client is in this process: it cannot go silent without the process going too
    }
}
