package io.tern.broker.extension;

import io.tern.broker.Message;
import io.tern.broker.SessionState;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;

import java.util.function.Consumer;

/**
 * What a cluster module learns from, and decides for, the broker it runs in ({@link io.tern.broker.Broker#clusterRouting}).
 * Without one (a single node) the broker pays a null check per message and nothing else.
 *
 * <p>The broker calls these on its own threads (event loops): implementations must not block them. Messages the
 * module injects with {@link io.tern.broker.Broker#deliverFromCluster} are never passed to {@link #published}.
 */
public interface ClusterRouting {

    /**
     * A message published on this node (by a client, a will, the embedding application or {@code $SYS}) after
     * it was routed to the local subscribers; the module forwards it to the nodes that need it. On the
     * publisher's thread.
     */
    void published(Message msg);

    /**
     * Right after {@link #published} on the same thread, with the publishing client's connection: the module
     * pauses reading from it ({@link io.tern.broker.Connection#pauseReading}) while a node the message was
     * forwarded to is backed up, and resumes it once that node's queue drained, as a congested local subscriber
     * pauses its publishers.
     */
    default void throttle(io.tern.broker.Connection publisher) {
    }

    /**
     * Right after {@link #published} on the same thread: whether some other node has a subscription matching the
     * message (a plain one, or a shared group), so MQTT 5 PUBACK 0x10 "no matching subscribers" is not sent.
     */
    default boolean matchedElsewhere() {
        return false;
    }

    /**
     * The forwarding of the last message {@link #published} on this thread to the nodes that need it; the
     * publisher's PUBACK/PUBREC waits for it, so an acknowledged message is on every node it must reach even if
     * this node dies next. Null when there is nothing to wait for (QoS 0, or no other node needed it).
     */
    default java.util.concurrent.CompletionStage<Void> forwarded() {
        return null;
    }

    /**
     * During local routing: whether this node's members of shared subscription {@code $share/group/filter} take
     * {@code msg}, or (false) a member on another node does. Called before {@link #published} for the same message.
     */
    boolean sharedHere(String group, String filter, Message msg);

    /**
     * A member of {@code $share/group/filter} is leaving this node with {@code msg} unacknowledged and no other local
     * member can take it: whether a member on another node will (MQTT 5 4.8.2).
     */
    default boolean handOverShared(String group, String filter, Message msg) {
        return false;
    }

    /**
     * A local session's subscription was added or changed ({@code added} false: replaced with new options).
     * {@code filter} is as the client wrote it ({@code $share/g/f} for shared ones).
     */
    void subscribed(String clientId, SessionState.Subscription subscription, boolean added);

    /** A local session's subscription was removed (by UNSUBSCRIBE, or because its session ended). */
    void unsubscribed(String clientId, String filter);

    /**
     * A client with this id is connecting here. The module makes sure no other node keeps the session (closing
     * the connection there, per a takeover) and calls {@code proceed} exactly once, on any thread, with the
     * session state that moved here, or null when there was none elsewhere (a local session, if any, is used).
     */
    void connecting(String clientId, boolean cleanStart, Consumer<SessionState> proceed);

    /** A session is bound to a connection here; {@code will} is its will or null. */
    void attached(String clientId, MqttVersion version, long expirySeconds, Packet.Will will);

    /** A session's connection is gone; the session stays (offline) unless {@code ended}. */
    void detached(String clientId, boolean ended);

    /** A session ended here (clean session, expiry, or it moved to another node). */
    void ended(String clientId);

    /** The cluster's members as this node sees them, this node included (admin API, console). */
    default java.util.List<ClusterMember> memberList() {
        return java.util.List.of();
    }
}
