package io.tern.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mosquitto 2.0's defaults, and its listener and allow_anonymous rules. */
class DefaultsTest {

    @TempDir
    Path dir;

    @Test
    void mosquitto20Defaults() {
        BrokerConfig c = new BrokerConfig();
        assertThat(c.maxInflightMessages()).isEqualTo(20);
        assertThat(c.maxQueuedMessages()).isEqualTo(1000);
        assertThat(c.maxQueuedBytes()).isZero();
        assertThat(c.queueQos0Messages()).isFalse();
        assertThat(c.messageSizeLimit()).isZero();
        assertThat(c.maxPacketSize()).isZero();
        assertThat(c.maxKeepalive()).isEqualTo(65535);
        assertThat(c.persistentClientExpiration()).isEqualTo(Duration.ZERO);
        assertThat(c.allowZeroLengthClientid()).isTrue();
        assertThat(c.autoIdPrefix()).isEqualTo("auto-");
        assertThat(c.sysInterval()).isEqualTo(10);
        assertThat(c.retainAvailable()).isTrue();
        assertThat(c.setTcpNodelay()).as("Tern differs from Mosquitto here: see BrokerConfig").isTrue();
        assertThat(c.upgradeOutgoingQos()).isFalse();
        assertThat(c.logDest()).containsExactly(LogDestination.STDERR);
        assertThat(c.logType()).containsExactlyInAnyOrder(LogType.ERROR, LogType.WARNING, LogType.NOTICE, LogType.INFORMATION);
        assertThat(c.logTimestamp()).isTrue();
        assertThat(c.logTimestampFormat()).isNull();
        assertThat(c.connectionMessages()).isTrue();
        assertThat(c.pidFile()).isNull();
        assertThat(c.user()).isEqualTo("mosquitto");
        assertThat(c.perListenerSettings()).isFalse();
        assertThat(c.passwordFile()).isNull();
        assertThat(c.aclFile()).isNull();
        assertThat(c.pskFile()).isNull();
        assertThat(c.clientidPrefixes()).isNull();
        assertThat(c.persistence()).isFalse();
        assertThat(c.persistenceFile()).isEqualTo("mosquitto.db");
        assertThat(c.persistenceLocation()).isNull();
        assertThat(c.autosaveInterval()).isEqualTo(1800);
        assertThat(c.autosaveOnChanges()).isFalse();
        assertThat(c.persistenceSync()).isEqualTo(PersistenceSync.BATCH);
        assertThat(c.port()).isEqualTo(1883);
        assertThat(c.bindAddress()).isNull();
    }

    @Test
    void noListenerMeansLoopbackOnly1883WithAnonymousAllowed() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "log_type all\n");
        assertThat(c.listeners()).isEmpty();
        assertThat(c.localOnly()).isTrue();
        List<ListenerConfig> effective = c.effectiveListeners();
        assertThat(effective).singleElement().satisfies(l -> {
            assertThat(l.localOnly()).isTrue();
            assertThat(l.port()).isEqualTo(1883);
            assertThat(c.security(l).allowAnonymous()).isTrue();
        });
        assertThat(c.allowAnonymous()).isTrue();
    }

    @Test
    void localOnlyModeAllowsAnonymousEvenWhenSetFalseAsMosquittoDoes() throws Exception {
        // Checked against mosquitto 2.0.11: with no listener, "allow_anonymous false" does not stop an
        // anonymous client on 127.0.0.1:1883 (config__read forces it true in local-only mode).
        BrokerConfig c = ConfigFiles.parse(dir, "allow_anonymous false\n");
        assertThat(c.allowAnonymousSetting()).isFalse();
        assertThat(c.allowAnonymous()).isTrue();
    }

    @Test
    void anyListenerMeansAnonymousDeniedByDefault() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "listener 1883\n");
        assertThat(c.localOnly()).isFalse();
        assertThat(c.allowAnonymous()).isFalse();
        assertThat(c.effectiveListeners()).singleElement().satisfies(l -> {
            assertThat(l.localOnly()).isFalse();
            assertThat(l.bindAddress()).isNull();
            assertThat(c.security(l).allowAnonymous()).isFalse();
        });
        assertThat(ConfigFiles.parse(dir, "listener 1883\nallow_anonymous true\n").allowAnonymous()).isTrue();
    }

    @Test
    void perListenerSettingsDeniesAnonymousOnListenersThatDoNotAllowIt() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "per_listener_settings true\nlistener 1883\nallow_anonymous true\nlistener 1884\n");
        assertThat(c.security(c.listeners().get(0)).allowAnonymous()).isTrue();
        assertThat(c.security(c.listeners().get(1)).allowAnonymous()).isFalse();
    }

    @Test
    void perListenerSettingsLetsAnonymousClientsOntoTheDefaultListenerAsMosquitto2011() throws Exception {
        // Mosquitto 2.0.11 makes the `port` listener after it turned unset allow_anonymous into false
        // (06-bridge-per-listener-settings connects there without a username)
        BrokerConfig c = ConfigFiles.parse(dir, "per_listener_settings true\nport 1884\nlistener 1885 127.0.0.1\n");
        List<ListenerConfig> effective = c.effectiveListeners();
        assertThat(effective).extracting(ListenerConfig::port).containsExactly(1885, 1884);
        assertThat(c.security(effective.get(1)).allowAnonymous()).as("the default listener").isTrue();
        assertThat(c.security(effective.get(0)).allowAnonymous()).as("an explicit listener").isFalse();
        BrokerConfig withPasswords = ConfigFiles.parse(dir,
                "per_listener_settings true\npassword_file pw\nport 1884\nlistener 1885\n");
        assertThat(withPasswords.security(withPasswords.effectiveListeners().get(1)).allowAnonymous())
                .as("unless it has a password file").isFalse();
    }

    @Test
    void portAndBindAddressConfigureTheDefaultListener() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "port 1884\nbind_address 127.0.0.1\n");
        assertThat(c.localOnly()).as("port/bind_address leave local-only mode").isFalse();
        assertThat(c.allowAnonymous()).isFalse();
        assertThat(c.effectiveListeners()).singleElement().satisfies(l -> {
            assertThat(l.port()).isEqualTo(1884);
            assertThat(l.bindAddress()).isEqualTo("127.0.0.1");
            assertThat(l.localOnly()).isFalse();
        });
        assertThat(c.port()).isEqualTo(1884);
        assertThat(c.defaultListener().locationOf("port")).contains(new Location(dir.resolve("tern.conf"), 1));
    }

    @Test
    void portAfterAListenerStillConfiguresTheDefaultListener() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "listener 8883\nport 1884\n");
        assertThat(c.effectiveListeners()).extracting(ListenerConfig::port).containsExactly(8883, 1884);
    }

    @Test
    void listenerOptionsBeforeTheFirstListenerStartTheDefaultListenerOn1883() throws Exception {
        // Mosquitto 2.0.11 opens 0.0.0.0:1883 for a file holding only "max_connections 10".
        BrokerConfig c = ConfigFiles.parse(dir, "max_connections 10\nlistener 8883\n");
        assertThat(c.effectiveListeners()).extracting(ListenerConfig::port).containsExactly(8883, 1883);
        assertThat(c.effectiveListeners().get(1).maxConnections()).isEqualTo(10);
    }

    @Test
    void listenerOptionsThatDoNotStartTheDefaultListenerWarn() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "max_topic_alias 5\nlistener 8883\n");
        assertThat(c.effectiveListeners()).extracting(ListenerConfig::port).containsExactly(8883);
        assertThat(c.warnings()).singleElement().satisfies(w -> {
            assertThat(w.location()).isEqualTo(new Location(dir.resolve("tern.conf"), 1));
            assertThat(w.reason()).contains("max_topic_alias").contains("no effect");
        });
    }

    @Test
    void perListenerSecurityBeforeAnyListenerGoesToTheDefaultListener() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "per_listener_settings true\npassword_file pw\nlistener 8883\n");
        List<ListenerConfig> effective = c.effectiveListeners();
        assertThat(effective).extracting(ListenerConfig::port).containsExactly(8883, 1883);
        assertThat(c.security(effective.get(1)).passwordFile()).isEqualTo("pw");
        assertThat(c.security(effective.get(0)).passwordFile()).isNull();
    }

    @Test
    void effectiveListenersAreCopies() throws Exception {
        BrokerConfig c = ConfigFiles.parse(dir, "listener 1883\n");
        c.effectiveListeners().get(0).maxQos(0);
        assertThat(c.listeners().get(0).maxQos()).isEqualTo(2);
    }
}
