package io.tern.broker.config;

/** A kind of log message ({@code log_type}); {@code none} and {@code all} are sets, not members. */
public enum LogType {
    DEBUG("debug"),
    ERROR("error"),
    WARNING("warning"),
    NOTICE("notice"),
    INFORMATION("information"),
    SUBSCRIBE("subscribe"),
    UNSUBSCRIBE("unsubscribe"),
    WEBSOCKETS("websockets");

    private final String configName;

    LogType(String configName) {
        this.configName = configName;
    }

    /** The word used in mosquitto.conf. */
    public String configName() {
        return configName;
    }
}
