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
                new BadConfig("listener 1883\nbridge_require_ocsp true\n", 2, "option 'bridge_require_ocsp' is not supported yet", false),
                // bridges
                new BadConfig("listener 1883\naddress 10.0.0.1\n", 2, "address: only allowed in a bridge section (after a 'connection' line)", true),
                new BadConfig("listener 1883\ntopic a/# both 1\n", 2, "topic: only allowed in a bridge section (after a 'connection' line)", true),
                new BadConfig("connection\n", 1, "connection: missing value", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nconnection b\n", 4, "connection: duplicate bridge name \"b\" (already used at %F:1)", true),
                new BadConfig("connection b\naddress\ntopic a\n", 2, "address: missing value", true),
                new BadConfig("connection b\naddress 127.0.0.1:99999\ntopic a\n", 2, "address: invalid port value in '127.0.0.1:99999' (must be between 1 and 65535)", true),
                new BadConfig("connection b\naddress 127.0.0.1:abc\ntopic a\n", 2, "address: invalid port value in '127.0.0.1:abc' (must be between 1 and 65535)", true),
                new BadConfig("connection b\naddress 127.0.0.1\naddresses 127.0.0.2\ntopic a\n", 3, "addresses: this bridge already has its addresses (set at %F:2)", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic\n", 3, "topic: missing value", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a sideways\n", 3, "topic: invalid bridge topic direction 'sideways' (must be out, in or both)", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a out 3\n", 3, "topic: invalid bridge QoS level '3' (must be 0, 1 or 2)", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic \"\" out 1\n", 3, "topic: an empty topic (\"\") needs both a local and a remote prefix", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic \"\" in 1 \"\" remote/\n", 3, "topic: an empty topic (\"\") needs both a local and a remote prefix", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a/# out 1 x/+/ \"\"\n", 3, "topic: invalid bridge topic local prefix 'x/+/'", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a/# out 1 \"\" r/#/\n", 3, "topic: invalid bridge topic remote prefix 'r/#/'", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a# out 1 x/ y/\n", 3, "topic: invalid bridge topic local prefix and pattern combination 'x/a#': '#' at position 3 of topic filter 'x/a#' does not fill a whole level", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_protocol_version mqttv4\n", 4, "bridge_protocol_version: 'mqttv4' is not one of mqttv31, mqttv311, mqttv50", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nstart_type manual\n", 4, "start_type: manual start_type is not supported (as in Mosquitto)", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nstart_type sometimes\n", 4, "start_type: 'sometimes' is not one of automatic, lazy, once", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nrestart_timeout 10 5\n", 4, "restart_timeout: backoff cap 5 is lower than the base 10", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nrestart_timeout\n", 4, "restart_timeout: missing value", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nkeepalive_interval 70000\n", 4, "keepalive_interval: 70000 is out of range (must be at most 65535)", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\ntry_private maybe\n", 4, "try_private: 'maybe' is not a boolean (true or false)", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_cafile /c\nbridge_psk 0123\n", 5, "bridge_psk: cannot use both certificate and psk encryption in a single bridge", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_identity id\nbridge_certfile /c\n", 5, "bridge_certfile: cannot use both certificate and psk encryption in a single bridge", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nremote_clientid x\nclientid y\n", 5, "clientid: duplicate value (already set at %F:4)", true),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_tls_version tlsv9\n", 4, "bridge_tls_version: 'tlsv9' is not one of tlsv1.1, tlsv1.2, tlsv1.3", false),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_session_expiry_interval -1\n", 4, "bridge_session_expiry_interval: '-1' is not a number of seconds from 0 to 4294967295", false),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_session_expiry_interval 4294967296\n", 4, "bridge_session_expiry_interval: '4294967296' is not a number of seconds from 0 to 4294967295", false),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_max_topic_alias 70000\n", 4, "bridge_max_topic_alias: 70000 is out of range (must be between 0 and 65535)", false),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_psk xyz\nbridge_identity i\n", 4, "bridge_psk: 'xyz' is not a hexadecimal key", false),
                new BadConfig("listener 1883\nconnection b\naddress 127.0.0.1\n", 2, "connection b: no topics; a bridge needs at least one 'topic' line", false),
                new BadConfig("listener 1883\nconnection b\ntopic a\n", 2, "connection b: no address; a bridge needs 'address host[:port]'", false),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_identity id\n", 1, "connection b: bridge_identity needs bridge_psk", false),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_psk 0123\n", 1, "connection b: bridge_psk needs bridge_identity", false),
                new BadConfig("connection b\naddress 127.0.0.1\ntopic a\nbridge_insecure true\n", 1, "connection b: TLS options need bridge_cafile or bridge_capath", false),
                new BadConfig("connection a\naddress 127.0.0.1\ntopic a\nlocal_clientid x\nconnection b\naddress 127.0.0.1\ntopic a\nlocal_clientid x\n", 5, "connection b: local_clientid 'x' is not unique (bridge a uses it too); set local_clientid", false),
                new BadConfig("listener 1883\nauth_plugin /usr/lib/x.so\n", 2, "auth_plugin: '/usr/lib/x.so' is a native"
                        + " Mosquitto plugin, which Tern cannot load; Tern has the dynamic-security plugin built in"
                        + " ('plugin dynamic-security' or a path ending in mosquitto_dynamic_security.so)", false),
                new BadConfig("listener 1883\nauth_opt_db host\n", 2, "auth_opt_db: no 'plugin' line before it"
                        + " (plugin options belong to the plugin above them)", true),
                new BadConfig("listener 1883\nplugin_opt_x y\n", 2, "plugin_opt_x: no 'plugin' line before it"
                        + " (plugin options belong to the plugin above them)", true),
                new BadConfig("listener 1883\nplugin dynamic-security\n", 2, "plugin: the dynamic-security plugin"
                        + " needs plugin_opt_config_file FILE (create one with 'mosquitto_ctrl dynsec init FILE admin')", false),
                new BadConfig("listener 1883\nplugin dynamic-security\nplugin_opt_config_file a.json\n"
                        + "plugin /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so\n", 4,
                        "plugin: the dynamic-security plugin is already configured at %F:2", false),
                new BadConfig("listener 1883\nplugin dynamic-security\nplugin_opt_\n", 3,
                        "plugin_opt_: an option name must follow the prefix", true),
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
                new BadConfig("listener 1883\nprotocol mqttsn\n", 2, "protocol: 'mqttsn' is not one of mqtt, websockets, http", true),
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
                new BadConfig("listener 1883\nacl_file \u00ff\n", 2, "malformed UTF-8", false),
                // found by ConfigParserFuzzTest: a NUL in a path was an InvalidPathException, not a reason
                new BadConfig("listener 1883\ninclude_dir d\u0000x\n", 2, "the line contains a NUL character", false));
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
                "topic a sideways",
                "wat 1",
                "listener 8883",
                "certfile /c",
                ""));
        List<String> problems = ConfigParser.check(file).stream().map(ConfigProblem::toString).toList();
        assertThat(problems).containsExactly(
                file + ":2: max_inflight_messages: 'abc' is not a number",
                file + ":5: topic: invalid bridge topic direction 'sideways' (must be out, in or both)",
                file + ":6: unknown option 'wat'",
                file + ":8: certfile: keyfile is missing; certificate TLS needs both",
                file + ":4: connection b: no address; a bridge needs 'address host[:port]'",
                file + ":4: connection b: no topics; a bridge needs at least one 'topic' line");
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
