package io.tern.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a configuration is refused names the file, the line and the reason. */
class ConfigParserErrorsTest {

    @TempDir
    Path dir;

    /**
     * A bad configuration, the line at fault, the exact reason, and whether Mosquitto 2.0.11 refuses it too
     * (checked by {@link MosquittoAgreementTest} when mosquitto is installed).
     */
    record BadConfig(String text, int line, String reason, boolean mosquittoRefuses) {
        @Override
        public String toString() {
            return text.replace("\n", " | ");
        }
    }

    static Stream<BadConfig> badConfigs() {
        return Stream.of(
                // unknown and not-yet-supported options
                new BadConfig("listener 1883\nfoo bar\n", 2, "unknown option 'foo'", true),
                new BadConfig("listener 1883\nmax_topic_alias_broker 5\n", 2, "unknown option 'max_topic_alias_broker'", true),
                new BadConfig("connection bridge-1\naddress 10.0.0.1\n", 1, "option 'connection' is not supported yet", false),
                new BadConfig("listener 1883\nauth_plugin /usr/lib/x.so\n", 2, "option 'auth_plugin' is not supported yet", false),
                new BadConfig("listener 1883\nauth_opt_db host\n", 2, "option 'auth_opt_db' is not supported yet", true),
                new BadConfig("listener 1883\nplugin_opt_x y\n", 2, "option 'plugin_opt_x' is not supported yet", true),
                new BadConfig("listener 1883\nhttp_dir /www\n", 2, "option 'http_dir' is not supported yet", false),
                new BadConfig("listener 1883\nmemory_limit 100\n", 2, "option 'memory_limit' is not supported yet", false),
                new BadConfig("listener 1883\ncheck_retain_source maybe\n", 2, "check_retain_source: 'maybe' is not a boolean (true or false)", false),
                new BadConfig("listener 1883\nmax_inflight_bytes -5\n", 2, "max_inflight_bytes: -5 is out of range (must be at least 0)", false),
                new BadConfig("listener 1883\nlog_dest syslog\n", 2, "option 'log_dest syslog' is not supported yet", false),
                new BadConfig("listener 0 /run/tern.sock\n", 1, "option 'listener' with a Unix socket path is not supported yet", false),
                // values
                new BadConfig("listener 1883\nmax_inflight_messages abc\n", 2, "max_inflight_messages: 'abc' is not a number", false),
                new BadConfig("listener 1883\nmax_inflight_messages 70000\n", 2, "max_inflight_messages: 70000 is out of range (must be between 0 and 65535)", true),
                new BadConfig("listener 1883\nmax_inflight_messages -1\n", 2, "max_inflight_messages: -1 is out of range (must be between 0 and 65535)", false),
                new BadConfig("listener 1883\nmax_queued_messages 1.5\n", 2, "max_queued_messages: '1.5' is not a number", false),
                new BadConfig("listener 1883\nmax_queued_bytes 99999999999999999999\n", 2, "max_queued_bytes: 99999999999999999999 is out of range", false),
                new BadConfig("listener 1883\nmax_keepalive 5\n", 2, "max_keepalive: 5 is out of range (must be between 10 and 65535)", true),
                new BadConfig("listener 1883\nmax_keepalive 70000\n", 2, "max_keepalive: 70000 is out of range (must be between 10 and 65535)", true),
                new BadConfig("listener 1883\nmax_packet_size 10\n", 2, "max_packet_size: 10 is out of range (must be at least 20)", true),
                new BadConfig("listener 1883\nmessage_size_limit 300000000\n", 2, "message_size_limit: 300000000 is out of range (must be between 0 and 268435455)", true),
                new BadConfig("listener 1883\nsys_interval 70000\n", 2, "sys_interval: 70000 is out of range (must be between 0 and 65535)", true),
                new BadConfig("listener 1883\nmax_topic_alias 70000\n", 2, "max_topic_alias: 70000 is out of range (must be between 0 and 65535)", true),
                new BadConfig("listener 1883\nmax_qos 3\n", 2, "max_qos: 3 is out of range (must be between 0 and 2)", true),
                new BadConfig("listener 1883\nautosave_interval -5\n", 2, "autosave_interval: -5 is out of range (must be at least 0)", false),
                new BadConfig("listener 70000\n", 1, "listener: 70000 is out of range (must be between 0 and 65535)", true),
                new BadConfig("listener\n", 1, "listener: missing port", true),
                new BadConfig("listener 0\n", 1, "listener: a listener with port 0 must give a Unix socket path", false),
                new BadConfig("listener 1883 127.0.0.1 extra\n", 1, "listener: unexpected extra argument 'extra'", false),
                new BadConfig("listener 1883\nlistener 1883\n", 2, "listener: port 1883 is already defined at %F:1", false),
                new BadConfig("port 0\n", 1, "port: 0 is out of range (must be between 1 and 65535)", true),
                new BadConfig("listener 1883\nallow_anonymous\n", 2, "allow_anonymous: missing value", true),
                new BadConfig("listener 1883\nallow_anonymous yes\n", 2, "allow_anonymous: 'yes' is not a boolean (true or false)", true),
                new BadConfig("listener 1883\nallow_anonymous true false\n", 2, "allow_anonymous: unexpected extra argument 'false'", false),
                new BadConfig("listener 1883\npassword_file\n", 2, "password_file: missing value", true),
                new BadConfig("listener 1883\npersistent_client_expiration 10x\n", 2, "persistent_client_expiration: '10x' is not a duration (a number followed by h, d, w, m or y, e.g. 14d)", true),
                new BadConfig("listener 1883\npersistent_client_expiration 5\n", 2, "persistent_client_expiration: '5' is not a duration (a number followed by h, d, w, m or y, e.g. 14d)", true),
                new BadConfig("listener 1883\npersistent_client_expiration 0d\n", 2, "persistent_client_expiration: '0d' must be greater than zero", true),
                new BadConfig("listener 1883\nsocket_domain ipv5\n", 2, "socket_domain: 'ipv5' is not one of ipv4, ipv6", true),
                new BadConfig("listener 1883\nprotocol mqttsn\n", 2, "protocol: 'mqttsn' is not one of mqtt, websockets", true),
                new BadConfig("listener 8883\ntls_version tlsv1.0\n", 2, "tls_version: 'tlsv1.0' is not one of tlsv1.1, tlsv1.2, tlsv1.3", false),
                new BadConfig("listener 1883\nlog_type bogus\n", 2, "log_type: 'bogus' is not one of debug, error, warning, notice, information, subscribe, unsubscribe, websockets, none, all", true),
                new BadConfig("listener 1883\nlog_dest nowhere\n", 2, "log_dest: 'nowhere' is not one of stdout, stderr, file, topic, none (syslog, dlt)", true),
                new BadConfig("listener 1883\nlog_dest file\n", 2, "log_dest: 'file' needs the path of the log file", true),
                new BadConfig("listener 1883\nlog_dest file /a\nlog_dest file /b\n", 3, "log_dest: only one 'file' destination is allowed (already set at %F:2)", true),
                new BadConfig("listener 1883\npersistence_sync sometimes\n", 2, "persistence_sync: 'sometimes' is not one of always, batch, none", false),
                // duplicates and ordering rules
                new BadConfig("password_file /a\npassword_file /b\nlistener 1883\n", 2, "password_file: duplicate value (already set at %F:1)", true),
                new BadConfig("listener 1883\nuser a\nuser b\n", 3, "user: duplicate value (already set at %F:2)", true),
                new BadConfig("listener 1883\nauto_id_prefix a\nauto_id_prefix b\n", 3, "auto_id_prefix: duplicate value (already set at %F:2)", true),
                new BadConfig("listener 1883\ncertfile /a\ncertfile /b\nkeyfile /k\n", 3, "certfile: duplicate value (already set at %F:2)", false),
                new BadConfig("password_file /a\nper_listener_settings true\nlistener 1883\n", 2, "per_listener_settings: must be set before any other security setting", true),
                new BadConfig("mount_point a/\nlistener 1883\n", 1, "mount_point: define a listener before using mount_point", true),
                new BadConfig("listener 1883\nmount_point a/+/\n", 2, "mount_point: 'a/+/' contains a wildcard character", true),
                new BadConfig("listener 8883\npsk_hint h\ncertfile /c\n", 3, "certfile: cannot use both certificate and psk encryption in a single listener", true),
                new BadConfig("listener 8883\ncafile /c\npsk_hint h\n", 3, "psk_hint: cannot use both certificate and psk encryption in a single listener", false),
                new BadConfig("listener 8883\ncertfile /c\n", 2, "certfile: keyfile is missing; certificate TLS needs both", false),
                new BadConfig("listener 8883\nkeyfile /k\n", 2, "keyfile: certfile is missing; certificate TLS needs both", false),
                new BadConfig("listener 1883\ninclude_dir /nonexistent-tern-dir\n", 2, "include_dir: unable to open directory '/nonexistent-tern-dir'", true),
                new BadConfig("listener 1883\nacl_file \u00ff\n", 2, "malformed UTF-8", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void parseRefusesWithFileLineAndReason(BadConfig bad) {
        Path file = ConfigFiles.write(dir, "tern.conf", "");
        writeRaw(file, bad.text());
        String reason = bad.reason().replace("%F", file.toString());
        assertThatExceptionOfType(ConfigException.class)
                .isThrownBy(() -> ConfigParser.parse(file))
                .satisfies(e -> {
                    assertThat(e.getMessage()).isEqualTo(file + ":" + bad.line() + ": " + reason);
                    assertThat(e.file()).isEqualTo(file);
                    assertThat(e.line()).isEqualTo(bad.line());
                    assertThat(e.reason()).isEqualTo(reason);
                });
        assertThat(ConfigParser.check(file)).first().hasToString(file + ":" + bad.line() + ": " + reason);
    }

    /** Latin-1 bytes for the malformed UTF-8 case, UTF-8 for the rest. */
    static void writeRaw(Path file, String text) {
        try {
            boolean latin1 = text.indexOf('\u00ff') >= 0;
            java.nio.file.Files.write(file, text.getBytes(latin1
                    ? java.nio.charset.StandardCharsets.ISO_8859_1 : java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void checkReportsEveryProblemInFileOrder() {
        Path file = ConfigFiles.write(dir, "tern.conf", String.join("\n",
                "listener 1883",
                "max_inflight_messages abc",
                "allow_anonymous true",
                "connection b",
                "wat 1",
                "listener 8883",
                "certfile /c",
                ""));
        List<String> problems = ConfigParser.check(file).stream().map(ConfigProblem::toString).toList();
        assertThat(problems).containsExactly(
                file + ":2: max_inflight_messages: 'abc' is not a number",
                file + ":4: option 'connection' is not supported yet",
                file + ":5: unknown option 'wat'",
                file + ":7: certfile: keyfile is missing; certificate TLS needs both");
    }

    @Test
    void checkOfAGoodFileIsEmpty() {
        Path file = ConfigFiles.write(dir, "tern.conf", "listener 1883\nallow_anonymous true\n");
        assertThat(ConfigParser.check(file)).isEmpty();
    }

    @Test
    void missingFileAndDirectoryAreNamed() {
        Path missing = dir.resolve("nope.conf");
        assertThatExceptionOfType(ConfigException.class).isThrownBy(() -> ConfigParser.parse(missing))
                .withMessage(missing + ": unable to open config file: no such file")
                .satisfies(e -> assertThat(e.line()).isZero());
        assertThat(ConfigParser.check(missing)).singleElement().hasToString(missing + ": unable to open config file: no such file");
        assertThatExceptionOfType(ConfigException.class).isThrownBy(() -> ConfigParser.parse(dir))
                .withMessage(dir + ": is a directory, not a configuration file");
    }

    @Test
    void notSupportedRefusalForTheBrokerCarriesTheLocation() throws Exception {
        Path file = ConfigFiles.write(dir, "tern.conf", "listener 8883\npsk_hint h\npsk_file p.txt\n");
        BrokerConfig c = ConfigParser.parse(file);
        ConfigException e = ConfigException.notSupported(c.locationOf("psk_file").orElseThrow(), "psk_file");
        assertThat(e.getMessage()).isEqualTo(file + ":3: option 'psk_file' is not supported yet");
        ListenerConfig l = c.listeners().get(0);
        assertThat(ConfigException.notSupported(l.locationOf("psk_hint").orElseThrow(), "psk_hint"))
                .hasMessage(file + ":2: option 'psk_hint' is not supported yet");
    }
}
