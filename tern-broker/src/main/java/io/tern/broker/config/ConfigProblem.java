package io.tern.broker.config;

import java.util.Objects;

/**
 * One problem (or warning) found in a configuration file, for {@code tern --test-config} and start-up logs.
 *
 * @param location where it is; never null
 * @param reason   what is wrong, without the location prefix
 */
public record ConfigProblem(Location location, String reason) {

    public ConfigProblem {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(reason, "reason");
    }

    /** {@code FILE:LINE: reason}. */
    @Override
    public String toString() {
        return location + ": " + reason;
    }
}
