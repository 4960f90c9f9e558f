package io.tern.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The options of {@code protocol http} listeners: console, admin API and metrics. */
class HttpOptionsConfigTest {

    @TempDir
    Path dir;

    @Test
    void anHttpListenerWithItsOptionsIsRead() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, String.join("\n",
                "listener 1883",
                "listener 8080 127.0.0.1",
                "protocol http",
                "listener 8443",
                "protocol http",
                "certfile server.pem",
                "keyfile server.key",
                "password_file admins.txt",
                "http_admin_users alice bob",
                "http_metrics_public true",
                "metrics_topic_prefixes sensors/ cmd/ # two prefixes",
                ""));
        assertThat(c.listeners()).extracting(ListenerConfig::protocol)
                .containsExactly(ListenerProtocol.MQTT, ListenerProtocol.HTTP, ListenerProtocol.HTTP);
        assertThat(c.listeners().get(1).bindAddress()).isEqualTo("127.0.0.1");
        assertThat(c.listeners().get(2).usesCertificateTls()).as("certfile/keyfile give HTTPS").isTrue();
        assertThat(c.http().adminUsers()).containsExactly("alice", "bob");
        assertThat(c.http().metricsPublic()).isTrue();
        assertThat(c.http().metricsTopicPrefixes()).containsExactly("sensors/", "cmd/");
        assertThat(c.locationOf("http_admin_users")).hasValueSatisfying(l -> assertThat(l.line()).isEqualTo(9));
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void defaultsAreNoAdminsAndClosedMetrics() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "listener 8080\nprotocol http\n");
        assertThat(c.http()).isEqualTo(HttpOptions.DEFAULT);
        assertThat(c.http().metricsPublic()).isFalse();
    }

    @Test
    void badValuesStopWithFileAndLine() {
        Path file = ConfigFiles.write(dir, "bad.conf", String.join("\n",
                "listener 8080",
                "protocol http",
                "http_admin_users",
                "http_metrics_public maybe",
                "metrics_topic_prefixes sensors/#",
                "protocol gopher",
                "psk_hint hint",
                ""));
        List<String> problems = ConfigParser.check(file).stream().map(ConfigProblem::toString).toList();
        assertThat(problems).containsExactly(
                file + ":3: http_admin_users: missing value (one or more users of the password_file)",
                file + ":4: http_metrics_public: 'maybe' is not a boolean (true or false)",
                file + ":5: metrics_topic_prefixes: 'sensors/#' contains a wildcard character; give a plain prefix such as sensors/",
                file + ":6: protocol: 'gopher' is not one of mqtt, websockets, http",
                file + ":7: psk_hint: not available on a listener with 'protocol http'");
        assertThatThrownBy(() -> ConfigParser.parse(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ":3: http_admin_users: missing value (one or more users of the password_file)");
    }

    @Test
    void httpOptionsWithoutAnHttpListenerAreReportedAsWithoutEffect() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "listener 1883\nhttp_admin_users alice\n");
        assertThat(c.warnings()).singleElement().hasToString(dir.resolve("tern.conf")
                + ":2: option 'http_admin_users' has no effect without a listener with 'protocol http'");
    }
}
