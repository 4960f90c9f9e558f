package io.tern.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every implemented option, read with its Mosquitto meaning, and where it was set. */
class ConfigParserOptionsTest {

    @TempDir
    Path dir;

    @Test
    void globalOptionsAreReadAndLocated() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, String.join("\n",
                "# a comment",
                "",
                "allow_anonymous true",
                "password_file /etc/tern/passwd",
                "acl_file acl with space.txt",
                "psk_file psk.txt",
                "allow_zero_length_clientid false",
                "auto_id_prefix gen-",
                "clientid_prefixes sensor-",
                "max_inflight_messages 7",
                "max_queued_messages 50",
                "max_queued_bytes 4294967296",
                "queue_qos0_messages true",
                "message_size_limit 1024",
                "max_packet_size 2048",
                "max_keepalive 120",
                "persistent_client_expiration 14d",
                "sys_interval 0",
                "retain_available false",
                "set_tcp_nodelay false",
                "upgrade_outgoing_qos true",
                "log_timestamp false",
                "log_timestamp_format %Y-%m-%dT%H:%M:%S",
                "connection_messages false",
                "pid_file /run/tern.pid",
                "user nobody",
                "persistence true",
                "persistence_file tern.db",
                "persistence_location /var/lib/tern/",
                "autosave_interval 60",
                "autosave_on_changes true",
                "persistence_sync always",
                "listener 1883",
                ""));
        assertThat(c.allowAnonymous()).isTrue();
        assertThat(c.passwordFile()).isEqualTo("/etc/tern/passwd");
        assertThat(c.aclFile()).as("paths take the rest of the line, spaces included").isEqualTo("acl with space.txt");
        assertThat(c.pskFile()).isEqualTo("psk.txt");
        assertThat(c.allowZeroLengthClientid()).isFalse();
        assertThat(c.autoIdPrefix()).isEqualTo("gen-");
        assertThat(c.clientidPrefixes()).isEqualTo("sensor-");
        assertThat(c.maxInflightMessages()).isEqualTo(7);
        assertThat(c.maxQueuedMessages()).isEqualTo(50);
        assertThat(c.maxQueuedBytes()).isEqualTo(4294967296L);
        assertThat(c.queueQos0Messages()).isTrue();
        assertThat(c.messageSizeLimit()).isEqualTo(1024);
        assertThat(c.maxPacketSize()).isEqualTo(2048);
        assertThat(c.maxKeepalive()).isEqualTo(120);
        assertThat(c.persistentClientExpiration()).isEqualTo(Duration.ofDays(14));
        assertThat(c.sysInterval()).isZero();
        assertThat(c.retainAvailable()).isFalse();
        assertThat(c.setTcpNodelay()).isFalse();
        assertThat(c.upgradeOutgoingQos()).isTrue();
        assertThat(c.logTimestamp()).isFalse();
        assertThat(c.logTimestampFormat()).isEqualTo("%Y-%m-%dT%H:%M:%S");
        assertThat(c.connectionMessages()).isFalse();
        assertThat(c.pidFile()).isEqualTo("/run/tern.pid");
        assertThat(c.user()).isEqualTo("nobody");
        assertThat(c.persistence()).isTrue();
        assertThat(c.persistenceFile()).isEqualTo("tern.db");
        assertThat(c.persistenceLocation()).isEqualTo("/var/lib/tern/");
        assertThat(c.persistencePath()).isEqualTo(Path.of("/var/lib/tern/tern.db"));
        assertThat(c.autosaveInterval()).isEqualTo(60);
        assertThat(c.autosaveOnChanges()).isTrue();
        assertThat(c.persistenceSync()).isEqualTo(PersistenceSync.ALWAYS);

        Path file = dir.resolve("tern.conf");
        assertThat(c.locationOf("allow_anonymous")).contains(new Location(file, 3));
        assertThat(c.locationOf("psk_file")).contains(new Location(file, 6));
        assertThat(c.locationOf("persistence_sync")).contains(new Location(file, 32));
        assertThat(c.locationOf("max_packet_size")).contains(new Location(file, 15));
        assertThat(c.locationOf("bridge_cafile")).isEmpty();
        assertThat(c.sourceFile()).contains(file);
        assertThat(c.warnings()).extracting(ConfigProblem::toString)
                .containsExactly(file + ":9: option 'clientid_prefixes' is deprecated:"
                        + " it will be removed in a future version of Mosquitto");
    }

    @Test
    void listenerOptionsApplyToTheListenerAboveThem() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, String.join("\n",
                "listener 1883",
                "max_connections 100",
                "max_qos 1",
                "max_topic_alias 0",
                "socket_domain ipv4",
                "mount_point site-a/",
                "listener 8883 0.0.0.0",
                "cafile /etc/ca.pem",
                "capath /etc/ca.d",
                "certfile /etc/server.pem",
                "keyfile /etc/server.key",
                "require_certificate true",
                "use_identity_as_username true",
                "use_subject_as_username 1",
                "tls_version tlsv1.3",
                "ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
                "ciphers_tls1.3 TLS_AES_128_GCM_SHA256",
                "crlfile /etc/crl.pem",
                "listener 8884 ::1",
                "psk_hint hint one",
                "socket_domain ipv6",
                "listener 9001 127.0.0.1",
                "protocol websockets",
                "maximum_qos 0",
                "max_connections -5",
                ""));
        List<ListenerConfig> ls = c.listeners();
        assertThat(ls).hasSize(4);
        Path file = dir.resolve("tern.conf");

        ListenerConfig plain = ls.get(0);
        assertThat(plain.port()).isEqualTo(1883);
        assertThat(plain.bindAddress()).isNull();
        assertThat(plain.maxConnections()).isEqualTo(100);
        assertThat(plain.maxQos()).isEqualTo(1);
        assertThat(plain.maxTopicAlias()).isZero();
        assertThat(plain.socketDomain()).isEqualTo(SocketDomain.IPV4);
        assertThat(plain.mountPoint()).isEqualTo("site-a/");
        assertThat(plain.protocol()).isEqualTo(ListenerProtocol.MQTT);
        assertThat(plain.usesCertificateTls()).isFalse();
        assertThat(plain.location()).contains(new Location(file, 1));
        assertThat(plain.locationOf("mount_point")).contains(new Location(file, 6));

        ListenerConfig tls = ls.get(1);
        assertThat(tls.port()).isEqualTo(8883);
        assertThat(tls.bindAddress()).isEqualTo("0.0.0.0");
        assertThat(tls.cafile()).isEqualTo("/etc/ca.pem");
        assertThat(tls.capath()).isEqualTo("/etc/ca.d");
        assertThat(tls.certfile()).isEqualTo("/etc/server.pem");
        assertThat(tls.keyfile()).isEqualTo("/etc/server.key");
        assertThat(tls.requireCertificate()).isTrue();
        assertThat(tls.useIdentityAsUsername()).isTrue();
        assertThat(tls.useSubjectAsUsername()).isTrue();
        assertThat(tls.tlsVersion()).isEqualTo(TlsVersion.TLS_1_3);
        assertThat(tls.ciphers()).isEqualTo("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384");
        assertThat(tls.ciphersTls13()).isEqualTo("TLS_AES_128_GCM_SHA256");
        assertThat(tls.crlfile()).isEqualTo("/etc/crl.pem");
        assertThat(tls.usesCertificateTls()).isTrue();
        assertThat(tls.usesPsk()).isFalse();
        assertThat(tls.maxQos()).as("defaults per listener").isEqualTo(2);
        assertThat(tls.maxTopicAlias()).isEqualTo(10);
        assertThat(tls.maxConnections()).isEqualTo(-1);
        assertThat(tls.locationOf("tls_version")).contains(new Location(file, 15));

        ListenerConfig psk = ls.get(2);
        assertThat(psk.bindAddress()).isEqualTo("::1");
        assertThat(psk.pskHint()).isEqualTo("hint one");
        assertThat(psk.usesPsk()).isTrue();
        assertThat(psk.socketDomain()).isEqualTo(SocketDomain.IPV6);

        ListenerConfig ws = ls.get(3);
        assertThat(ws.protocol()).isEqualTo(ListenerProtocol.WEBSOCKETS);
        assertThat(ws.maxQos()).as("maximum_qos is Mosquitto's alias of max_qos").isZero();
        assertThat(ws.locationOf("max_qos")).contains(new Location(file, 24));
        assertThat(ws.maxConnections()).as("negative means unlimited, as in Mosquitto").isEqualTo(-1);

        assertThat(c.effectiveListeners()).extracting(ListenerConfig::port).containsExactly(1883, 8883, 8884, 9001);
        assertThat(c.localOnly()).isFalse();
    }

    @Test
    void perListenerSettingsPutsSecurityOnEachListener() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, String.join("\n",
                "per_listener_settings true",
                "listener 1883",
                "allow_anonymous true",
                "listener 8883",
                "password_file pw.txt",
                "acl_file acl.txt",
                "psk_file psk.txt",
                "psk_hint h",
                "allow_zero_length_clientid false",
                "auto_id_prefix x-",
                ""));
        ListenerConfig open = c.listeners().get(0);
        ListenerConfig closed = c.listeners().get(1);
        assertThat(c.perListenerSettings()).isTrue();
        assertThat(c.security(open)).isEqualTo(new SecurityOptions(true, null, null, null, true, "auto-"));
        assertThat(c.security(closed)).isEqualTo(new SecurityOptions(false, "pw.txt", "acl.txt", "psk.txt", false, "x-"));
        assertThat(closed.locationOf("psk_file")).contains(new Location(dir.resolve("tern.conf"), 7));
        assertThat(c.locationOf("psk_file")).as("not global").isEmpty();
        assertThat(c.passwordFile()).isNull();
    }

    @Test
    void withoutPerListenerSettingsSecurityIsGlobalWhereverWritten() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, String.join("\n",
                "listener 1883",
                "listener 8883",
                "password_file pw.txt",
                "allow_anonymous false",
                ""));
        for (ListenerConfig l : c.effectiveListeners()) {
            assertThat(c.security(l)).isEqualTo(new SecurityOptions(false, "pw.txt", null, null, true, "auto-"));
        }
        assertThat(c.listeners().get(1).passwordFile()).isNull();
    }

    @Test
    void logDestAndLogTypeAccumulateAndNoneResets() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, String.join("\n",
                "listener 1883",
                "log_dest stdout",
                "log_dest file /var/log/tern log.txt",
                "log_dest topic",
                "log_type error",
                "log_type subscribe",
                "log_type websockets",
                ""));
        assertThat(c.logDest()).containsExactlyInAnyOrder(LogDestination.STDOUT, LogDestination.FILE, LogDestination.TOPIC);
        assertThat(c.logFile()).isEqualTo("/var/log/tern log.txt");
        assertThat(c.logType()).containsExactlyInAnyOrder(LogType.ERROR, LogType.SUBSCRIBE, LogType.WEBSOCKETS);

        BrokerConfig none = ConfigFiles.parse(dir, "listener 1883\nlog_dest stdout\nlog_dest none\nlog_type all\n");
        assertThat(none.logDest()).isEmpty();
        assertThat(none.logType()).isEqualTo(EnumSet.allOf(LogType.class));

        BrokerConfig reset = ConfigFiles.parse(dir, "listener 1883\nlog_type all\nlog_type none\nlog_type debug\n");
        assertThat(reset.logType()).containsExactly(LogType.DEBUG);
    }

    @Test
    void durationsUseMosquittoUnits() throws Exception {
        assertThat(expiration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(expiration("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(expiration("3w")).isEqualTo(Duration.ofDays(21));
        assertThat(expiration("2m")).as("a month is 30 days").isEqualTo(Duration.ofDays(60));
        assertThat(expiration("1y")).as("a year is 365 days").isEqualTo(Duration.ofDays(365));
    }

    private Duration expiration(String text) throws ConfigException {
        return ConfigFiles.parse(dir, "listener 1883\npersistent_client_expiration " + text + "\n")
                .persistentClientExpiration();
    }

    @Test
    void blanksCommentsAndLineEndingsAreTolerated() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir,
                "  # indented comment\r\n"
                        + "\t\r\n"
                        + "listener 1883   \r\n"
                        + "  allow_anonymous true\t \r\n"
                        + "max_inflight_messages 5 # five\n"
                        + "listener 1884 127.0.0.1 # loopback\n"
                        + "password_file   /etc/pw  \n"
                        + "max_queued_messages\t9");
        assertThat(c.listeners()).extracting(ListenerConfig::port).containsExactly(1883, 1884);
        assertThat(c.listeners().get(1).bindAddress()).isEqualTo("127.0.0.1");
        assertThat(c.allowAnonymous()).isTrue();
        assertThat(c.maxInflightMessages()).isEqualTo(5);
        assertThat(c.passwordFile()).isEqualTo("/etc/pw");
        assertThat(c.maxQueuedMessages()).isEqualTo(9);
    }

    @Test
    void mosquittoOptionsTheSuiteWritesAndTernsStricterAnswers() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "listener 1883\ncheck_retain_source true\nmax_inflight_bytes 1000000\n"
                + "report_bad_credentials true\ndeny_unreadable_subscriptions true\nstrict_password_file true\n"
                + "check_payload_format true\n");
        assertThat(c.checkRetainSource()).isTrue();
        assertThat(c.maxInflightBytes()).isEqualTo(1_000_000);
        assertThat(c.strict()).isEqualTo(new StrictOptions(true, true, true, true));
        BrokerConfig plain = ConfigFiles.parse(dir, "listener 1883\n");
        assertThat(plain.strict()).as("Mosquitto's answers by default").isEqualTo(StrictOptions.MOSQUITTO);
        assertThat(plain.checkRetainSource()).isFalse();
        assertThat(plain.maxInflightBytes()).isZero();
    }

    @Test
    void mosquittoSpecialValues() throws Exception {
        assertThat(ConfigFiles.parse(dir, "listener 1883\nmax_inflight_messages 65535\n").maxInflightMessages())
                .as("65535 means no limit in Mosquitto").isZero();
        assertThat(ConfigFiles.parse(dir, "listener 1883\npersistence_file a.db\n").persistencePath())
                .isEqualTo(Path.of("").toAbsolutePath().resolve("a.db"));
        BrokerConfig retained = ConfigFiles.parse(dir, "listener 1883\nretained_persistence true\n");
        assertThat(retained.persistence()).as("Mosquitto's alias").isTrue();
        assertThat(retained.locationOf("persistence")).isPresent();
    }

    @Test
    void deprecatedAndNoLongerAvailableOptionsWarnWithTheirLine() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "port 1884\nbind_address 127.0.0.1\nretry_interval 20\n");
        Path file = dir.resolve("tern.conf");
        assertThat(c.warnings()).extracting(ConfigProblem::location)
                .containsExactly(new Location(file, 1), new Location(file, 2), new Location(file, 3));
        assertThat(c.warnings().get(2).reason()).contains("retry_interval").contains("no effect");
    }

    @Test
    void perListenerSettingsCannotBeTurnedOffButSaysSo() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "per_listener_settings true\nper_listener_settings false\nlistener 1883\n");
        assertThat(c.perListenerSettings()).isTrue();
        assertThat(c.warnings()).singleElement().extracting(ConfigProblem::reason).asString()
                .contains("cannot be turned off");
    }

    @Test
    void relativePathsAreKeptAsWrittenAndResolvedAgainstTheWorkingDirectory() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "listener 1883\npassword_file conf/pw.txt\n");
        assertThat(c.passwordFile()).isEqualTo("conf/pw.txt");
        assertThat(c.resolve(c.passwordFile())).isEqualTo(Path.of("").toAbsolutePath().resolve("conf/pw.txt"));
        assertThat(c.workingDirectory(dir).resolve("conf/pw.txt")).isEqualTo(dir.resolve("conf/pw.txt"));
        assertThat(c.resolve("/abs/pw")).isEqualTo(Path.of("/abs/pw"));
    }

    @Test
    void buildInCodeWithFluentSetters() {
        BrokerConfig c = new BrokerConfig()
                .maxInflightMessages(5)
                .allowAnonymous(false)
                .persistence(true)
                .persistenceSync(PersistenceSync.NONE)
                .addListener(new ListenerConfig(1883))
                .addListener(new ListenerConfig(8883, "127.0.0.1").certfile("c.pem").keyfile("k.pem"));
        assertThat(c.maxInflightMessages()).isEqualTo(5);
        assertThat(c.allowAnonymous()).isFalse();
        assertThat(c.effectiveListeners()).hasSize(2);
        assertThat(c.effectiveListeners().get(1).usesCertificateTls()).isTrue();
        assertThat(c.locationOf("max_inflight_messages")).isEmpty();
        assertThat(ConfigException.notSupported(null, "psk_file").getMessage())
                .isEqualTo("option 'psk_file' is not supported yet");
    }
}
