package io.tern.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plugin}/{@code auth_plugin} and their {@code plugin_opt_}/{@code auth_opt_} options, global and per listener. */
class PluginConfigParserTest {

    @TempDir
    Path dir;

    @Test
    void globalDynamicSecurityPluginWithItsOptions() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, String.join("\n",
                "listener 1883",
                "plugin /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
                "plugin_opt_config_file /var/lib/mosquitto/dynamic-security.json",
                "plugin_opt_config_file second-is-ignored.json",
                "listener 1884",
                "auth_opt_other x y", ""));
        assertThat(c.plugins()).hasSize(1);
        PluginConfig p = c.plugins().get(0);
        assertThat(p.isDynamicSecurity()).isTrue();
        assertThat(p.location().line()).isEqualTo(2);
        assertThat(p.options()).containsExactly(
                Map.entry("config_file", "/var/lib/mosquitto/dynamic-security.json"), Map.entry("other", "x y"));
        assertThat(p.option("CONFIG_FILE")).isEqualTo("/var/lib/mosquitto/dynamic-security.json");
        for (ListenerConfig l : c.effectiveListeners()) {
            assertThat(c.plugins(l)).containsExactly(p);
        }
    }

    @Test
    void perListenerPluginsApplyToTheirListenerOnly() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, String.join("\n",
                "per_listener_settings true",
                "listener 1883",
                "plugin dynamic-security",
                "plugin_opt_config_file a.json",
                "listener 1884",
                "allow_anonymous true", ""));
        assertThat(c.plugins()).isEmpty();
        assertThat(c.plugins(c.listeners().get(0))).singleElement()
                .satisfies(p -> assertThat(p.option("config_file")).isEqualTo("a.json"));
        assertThat(c.plugins(c.listeners().get(1))).isEmpty();
        // the copies the broker opens keep them
        assertThat(c.plugins(c.effectiveListeners().get(0))).hasSize(1);
    }

    @Test
    void onlyTheBuiltInPluginIsRecognised() {
        assertThat(PluginConfig.builtIn("dynamic-security")).contains(PluginConfig.DYNAMIC_SECURITY);
        assertThat(PluginConfig.builtIn("/opt/mosquitto/lib/mosquitto_dynamic_security.so")).isPresent();
        assertThat(PluginConfig.builtIn("/usr/lib/mosquitto_auth_plugin.so")).isEmpty();
        assertThat(PluginConfig.builtIn("dynamic-security.so")).isEmpty();
    }
}
