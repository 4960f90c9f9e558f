package io.tern.broker.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code plugin PATH} (or {@code auth_plugin PATH}) line and the {@code plugin_opt_KEY VALUE} /
 * {@code auth_opt_KEY VALUE} lines that follow it, as Mosquitto 2.0 reads them. Tern loads no native
 * library: the parser accepts only the plugins Tern has built in (today the dynamic-security plugin, written
 * {@code plugin .../mosquitto_dynamic_security.so} or {@code plugin dynamic-security}), and the module that
 * implements one finds its settings here.
 *
 * @param location where the {@code plugin} line is
 * @param path     the path or name as written
 * @param options  the plugin's options by key (without the {@code plugin_opt_} prefix), in file order
 */
public record PluginConfig(Location location, String path, Map<String, String> options) {

    /** The {@code plugin} name that selects Tern's built-in dynamic-security plugin. */
    public static final String DYNAMIC_SECURITY = "dynamic-security";

    public PluginConfig {
        Objects.requireNonNull(path, "path");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /**
     * Which built-in plugin a path names: {@link #DYNAMIC_SECURITY} for {@code dynamic-security} or any path
     * ending in {@code mosquitto_dynamic_security.so}; empty for anything else (a native plugin Tern cannot load).
     */
    public static Optional<String> builtIn(String path) {
        if (path.equals(DYNAMIC_SECURITY) || path.endsWith("mosquitto_dynamic_security.so")) {
            return Optional.of(DYNAMIC_SECURITY);
        }
        return Optional.empty();
    }

    /** Whether this line selects the dynamic-security plugin. */
    public boolean isDynamicSecurity() {
        return builtIn(path).filter(DYNAMIC_SECURITY::equals).isPresent();
    }

    /** An option by key, as Mosquitto matches them (case-insensitively), or null. */
    public String option(String key) {
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (e.getKey().equalsIgnoreCase(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** This plugin with one more option. */
    PluginConfig withOption(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(options);
        m.putIfAbsent(key, value);
        return new PluginConfig(location, path, m);
    }
}
