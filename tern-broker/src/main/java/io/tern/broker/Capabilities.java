package io.tern.broker;

import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ConfigProblem;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.config.Location;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The options this build parses but cannot honour yet. Starting with one of them set would silently run a
 * different broker than the operator configured, so start-up stops with the file and line instead.
 */
final class Capabilities {

    /** Global options that are read but not yet implemented. */
    static final List<String> GLOBAL = List.of();

    /** Per-listener options that are read but not yet implemented. */
    static final List<String> LISTENER = List.of();

    private Capabilities() {
    }

    /** Every option set in {@code config} that this build cannot honour, with where it was set. */
    static List<ConfigProblem> unsupported(BrokerConfig config) {
        List<ConfigProblem> out = new ArrayList<>();
        for (String option : GLOBAL) {
            Optional<Location> at = config.locationOf(option);
            if (at.isPresent() && !(option.equals("persistence") && !config.persistence())) {
                out.add(new ConfigProblem(at.get(), "option '" + option + "' is not supported yet"));
            }
        }
        List<ListenerConfig> listeners = new ArrayList<>(config.listeners());
        listeners.add(config.defaultListener());
        for (ListenerConfig l : listeners) {
            for (String option : LISTENER) {
                Optional<Location> at = l.locationOf(option);
                if (at.isEmpty()) {
                    continue;
                }
                out.add(new ConfigProblem(at.get(), "option '" + option + "' is not supported yet"));
            }
        }
        return out;
    }
}
