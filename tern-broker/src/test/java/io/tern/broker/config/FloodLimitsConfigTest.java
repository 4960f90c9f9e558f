package io.tern.broker.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The flood options: off by default, whole non-negative numbers, FILE:LINE for a bad value. */
class FloodLimitsConfigTest {

    @TempDir
    Path dir;

    @Test
    void offByDefault() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "listener 1883\n");
        assertThat(c.floodLimits()).isEqualTo(FloodLimits.NONE);
        assertThat(c.floodLimits().limitsConnections()).isFalse();
        assertThat(c.floodLimits().limitsPublishing()).isFalse();
    }

    @Test
    void everyOptionIsRead() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, String.join("\n",
                "max_connections_per_address 10",
                "connection_rate_limit 5",
                "publish_rate_limit 100",
                "publish_bytes_limit 1048576",
                "listener 1883", ""));
        assertThat(c.floodLimits()).isEqualTo(new FloodLimits(10, 5, 100, 1_048_576));
        assertThat(c.floodLimits().limitsConnections()).isTrue();
        assertThat(c.floodLimits().limitsPublishing()).isTrue();
    }

    @Test
    void badValuesNameTheLine() {
        assertThatThrownBy(() -> ConfigFiles.parse(dir, "listener 1883\npublish_rate_limit -1\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining(":2: ").hasMessageContaining("out of range");
        assertThatThrownBy(() -> ConfigFiles.parse(dir, "connection_rate_limit fast\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining(":1: ").hasMessageContaining("not a number");
        assertThatThrownBy(() -> ConfigFiles.parse(dir, "max_connections_per_address\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining(":1: ");
    }
}
