package io.tern.broker.config;

/**
 * Where log lines go ({@code log_dest}). Mosquitto's {@code syslog} and {@code dlt} are not offered yet:
 * the parser refuses them with the line they are on.
 */
public enum LogDestination {
    /** Standard output. */
    STDOUT("stdout"),
    /** Standard error; Mosquitto's default. */
    STDERR("stderr"),
    /** The file named by {@link BrokerConfig#logFile()}; at most one. */
    FILE("file"),
    /** {@code $SYS/broker/log/<severity>} topics. */
    TOPIC("topic");

    private final String configName;

    LogDestination(String configName) {
        this.configName = configName;
    }

    /** The word used in mosquitto.conf. */
    public String configName() {
        return configName;
    }
}
