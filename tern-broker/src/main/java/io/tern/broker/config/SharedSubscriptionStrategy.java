package io.tern.broker.config;

/**
 * How a message to an MQTT 5 shared subscription ({@code $share/group/filter}) picks one member of the group
 * ({@code shared_subscription_strategy}, a Tern option; Mosquitto always picks round-robin).
 */
public enum SharedSubscriptionStrategy {
    /** Each member in turn (the default). */
    ROUND_ROBIN("round_robin"),
    /** A member at random. */
    RANDOM("random"),
    /** The same member while it stays connected. */
    STICKY("sticky"),
    /** By a hash of the publisher's client id: one publisher's messages keep their order at one member. */
    HASH_CLIENT_ID("hash_client_id"),
    /** By a hash of the topic: one topic's messages keep their order at one member. */
    HASH_TOPIC("hash_topic");

    private final String configName;

    SharedSubscriptionStrategy(String configName) {
        this.configName = configName;
    }

    /** The word used in the configuration file. */
    public String configName() {
        return configName;
    }
}
