package io.tern.bench;

/** What a run does; see {@link TernBench} for each one's meaning of {@code -c}. */
public enum Scenario {
    /** {@code -c} idle connections, opened at {@code --rate} per second (unlimited by default). */
    CONN("bench/%i", "bench/#"),
    /** {@code -c} publishers, nobody subscribed in this process. */
    PUB("bench/%i", "bench/#"),
    /** {@code -c} subscribers, publishers elsewhere (another tern-bench pub). */
    SUB("bench/%i", "bench/#"),
    /** {@code -c} publishers, each on its own topic, into {@code --subscribers} subscribers on a wildcard. */
    FANIN("bench/%i", "bench/#"),
    /** One publisher into {@code -c} subscribers of its topic. */
    FANOUT("bench/fanout", "bench/fanout"),
    /** {@code -c} publishers at a fixed total {@code --rate} into {@code --subscribers} subscribers. */
    LATENCY("bench/lat/%i", "bench/lat/#");

    private final String defaultTopic;
    private final String defaultFilter;

    Scenario(String defaultTopic, String defaultFilter) {
        this.defaultTopic = defaultTopic;
        this.defaultFilter = defaultFilter;
    }

    public String defaultTopic() { return defaultTopic; }

    public String defaultFilter() { return defaultFilter; }

    public String id() { return name().toLowerCase(java.util.Locale.ROOT); }
}
