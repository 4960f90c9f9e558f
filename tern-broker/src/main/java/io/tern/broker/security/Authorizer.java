package io.tern.broker.security;

/**
 * Decides what a connected client may do with topics; the broker core asks it on every PUBLISH it
 * receives, every message it is about to deliver, and every SUBSCRIBE filter.
 *
 * <p>Implementations must be thread-safe, cheap (these run on event loops, per message) and immutable:
 * to reload (SIGHUP) the broker builds a new one and swaps it in, for example through an
 * {@code AtomicReference<Authorizer>}.
 *
 * <p>{@code clientId} is the effective client identifier (after the broker assigned one to an empty id);
 * {@code username} is null when the client sent none. Topics and filters are assumed valid
 * (the codec checked them); {@code $share/GROUP/} prefixes should already be stripped from filters.
 */
public interface Authorizer {

    /**
     * May this client publish to {@code topic}? A false answer drops the message; Mosquitto 2.0 still
     * acknowledges it (PUBACK/PUBREC, with reason 0x87 in MQTT 5) and keeps the connection.
     */
    boolean canPublish(String clientId, String username, String topic);

    /** May this client receive a message published to {@code topic}? Checked per delivered message, including retained ones. */
    boolean canRead(String clientId, String username, String topic);

    /**
     * May this client subscribe to {@code filter} (Mosquitto's SUBSCRIBE check, which a plugin such as dynamic
     * security applies)? False answers this filter with failure (0x80, or 0x87 in MQTT 5). An {@code acl_file}
     * grants every SUBSCRIBE, as in Mosquitto 2.0, and filters at delivery ({@link #canRead}).
     */
    boolean canSubscribe(String clientId, String username, String filter);

    /**
     * Could this client read at least one topic {@code filter} matches? Consulted only with
     * {@code deny_unreadable_subscriptions true}, which refuses a filter that can never deliver anything.
     */
    default boolean canReadSome(String clientId, String username, String filter) {
        return true;
    }

    /**
     * May this client unsubscribe from {@code filter}? False leaves the subscription in place and answers
     * 0x87 in MQTT 5's UNSUBACK, as Mosquitto 2.0 does for plugins that check unsubscribing.
     */
    default boolean canUnsubscribe(String clientId, String username, String filter) {
        return true;
    }

    /** The authoriser used when no {@code acl_file} is configured: everything is allowed. */
    static Authorizer allowAll() {
        return AllowAll.INSTANCE;
    }

    /** Singleton behind {@link #allowAll()}. */
    enum AllowAll implements Authorizer {
        INSTANCE;

        @Override
        public boolean canPublish(String clientId, String username, String topic) { return true; }

        @Override
        public boolean canRead(String clientId, String username, String topic) { return true; }

        @Override
        public boolean canSubscribe(String clientId, String username, String filter) { return true; }
    }
}
