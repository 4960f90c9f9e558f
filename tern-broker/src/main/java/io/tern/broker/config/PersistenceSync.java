package io.tern.broker.config;

/**
 * When the store forces acknowledged messages to disk ({@code persistence_sync}, a Tern option; Mosquitto
 * has none because it only snapshots).
 */
public enum PersistenceSync {
    /** fsync before every acknowledgement: slowest, loses nothing on power loss. */
    ALWAYS("always"),
    /** Group commit: acknowledgements wait for a shared fsync of a batch. The default. */
    BATCH("batch"),
    /** Never fsync: survives a process crash, not a power loss. */
    NONE("none");

    private final String configName;

    PersistenceSync(String configName) {
        this.configName = configName;
    }

    /** The word used in the configuration file. */
    public String configName() {
        return configName;
    }
}
