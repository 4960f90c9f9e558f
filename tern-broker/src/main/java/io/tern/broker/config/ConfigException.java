package io.tern.broker.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A configuration the broker cannot accept, with the file and line at fault.
 *
 * <p>{@link #getMessage()} is {@code FILE:LINE: reason} (or just {@code reason} for a configuration built in
 * code, which has no location).
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Location location;
    private final String reason;

    /**
     * @param location where the problem is, or null for a configuration built in code
     * @param reason   what is wrong, without the location prefix
     */
    public ConfigException(Location location, String reason) {
        super(location == null ? reason : location + ": " + reason);
        this.location = location;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * The refusal the broker gives for an option it parses but cannot honour yet:
     * {@code FILE:LINE: option 'NAME' is not supported yet}.
     *
     * @param location where the option was set ({@link BrokerConfig#locationOf(String)}), or null
     * @param option   the Mosquitto option name, e.g. {@code psk_file}
     */
    public static ConfigException notSupported(Location location, String option) {
        return new ConfigException(location, "option '" + option + "' is not supported yet");
    }

    /** Where the problem is; empty for a configuration built in code. */
    public Optional<Location> location() {
        return Optional.ofNullable(location);
    }

    /** The file at fault, or null when the configuration was built in code. */
    public Path file() {
        return location == null ? null : location.file();
    }

    /** The 1-based line at fault; 0 for the whole file or when there is no file. */
    public int line() {
        return location == null ? 0 : location.line();
    }

    /** What is wrong, without the location prefix. */
    public String reason() {
        return reason;
    }

    /** This exception as a {@link ConfigProblem}; only for exceptions that have a location. */
    ConfigProblem toProblem() {
        return new ConfigProblem(location, reason);
    }
}
