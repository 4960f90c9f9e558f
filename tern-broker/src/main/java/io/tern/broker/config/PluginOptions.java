package io.tern.broker.config;

import java.util.List;
import java.util.Map;

/**
 * {@code plugin}/{@code auth_plugin} lines and their {@code plugin_opt_}/{@code auth_opt_} options, global or per
 * listener as Mosquitto reads them; only Tern's built-in plugins are accepted.
 */
final class PluginOptions {

    private final BrokerConfig config;
    /** The config or listener that holds the last {@code plugin} line, which {@code plugin_opt_} lines extend. */
    private Object pluginOwner;

    PluginOptions(BrokerConfig config) {
        this.config = config;
    }

    /**
     * {@code plugin PATH} / {@code auth_plugin PATH}: global, or for the current listener with
     * per_listener_settings, as in Mosquitto. Only Tern's built-in plugins are accepted.
     */
    void plugin(ConfigParser.Line l, ListenerConfig current) throws ConfigException {
        String path = l.text();
        if (PluginConfig.builtIn(path).isEmpty()) {
            throw l.error("'" + path + "' is a native Mosquitto plugin, which Tern cannot load; Tern has the"
                    + " dynamic-security plugin built in ('plugin dynamic-security' or a path ending in"
                    + " mosquitto_dynamic_security.so)");
        }
        List<PluginConfig> scope = config.perListenerSettings() ? current.plugins() : config.plugins();
        for (PluginConfig earlier : scope) {
            if (PluginConfig.builtIn(earlier.path()).equals(PluginConfig.builtIn(path))) {
                throw l.error("the " + PluginConfig.builtIn(path).get() + " plugin is already configured at "
                        + earlier.location());
            }
        }
        PluginConfig plugin = new PluginConfig(l.at(), path, Map.of());
        if (config.perListenerSettings()) {
            current.addPlugin(plugin);
            pluginOwner = current;
        } else {
            config.addPlugin(plugin);
            pluginOwner = config;
        }
    }

    /** {@code plugin_opt_KEY VALUE} / {@code auth_opt_KEY VALUE}: an option of the last plugin line, as in Mosquitto. */
    void option(ConfigParser.Line l) throws ConfigException {
        String key = l.name().substring(l.name().startsWith("plugin_opt_") ? "plugin_opt_".length() : "auth_opt_".length());
        if (pluginOwner == null) {
            throw l.error("no 'plugin' line before it (plugin options belong to the plugin above them)");
        }
        if (key.isEmpty()) {
            throw l.error("an option name must follow the prefix");
        }
        String value = l.text();
        if (pluginOwner instanceof ListenerConfig listener) {
            List<PluginConfig> list = listener.plugins();
            listener.replaceLastPlugin(list.get(list.size() - 1).withOption(key, value));
        } else {
            List<PluginConfig> list = config.plugins();
            config.replaceLastPlugin(list.get(list.size() - 1).withOption(key, value));
        }
    }

    static void check(List<PluginConfig> plugins, ConfigParser.Reporter report) throws ConfigException {
        for (PluginConfig p : plugins) {
            if (p.isDynamicSecurity() && p.option("config_file") == null) {
                // Mosquitto warns and runs without the plugin, i.e. without the security it was asked for
                report.report(new ConfigException(p.location(), "plugin: the dynamic-security plugin needs"
                        + " plugin_opt_config_file FILE (create one with 'mosquitto_ctrl dynsec init FILE admin')"));
            }
        }
    }
}
