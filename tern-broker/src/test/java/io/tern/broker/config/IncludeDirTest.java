package io.tern.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** include_dir: Mosquitto's load order, and errors that name the included file and its line. */
class IncludeDirTest {

    @TempDir
    Path dir;

    @Test
    void filesLoadInMosquittoOrderOnlyEndingInDotConf() throws Exception {
        Path inc = dir.resolve("conf.d");
        // Each file adds a listener whose port records the load order.
        String[] names = {"b", "A", "01", "a", "B", "00", "_x", "Z"};
        int port = 2000;
        for (String n : names) {
            ConfigFiles.write(inc, n + ".conf", "listener " + (port++) + "\n");
        }
        ConfigFiles.write(inc, "x.CONF", "bogus 1\n");
        ConfigFiles.write(inc, "notes.txt", "bogus 1\n");
        ConfigFiles.write(inc, ".conf", "bogus 1\n");
        BrokerConfig c = ConfigFiles.parse(dir, "include_dir " + inc + "\n");
        List<String> loaded = new ArrayList<>();
        for (ListenerConfig l : c.listeners()) {
            loaded.add(l.location().orElseThrow().file().getFileName().toString());
        }
        // Same order mosquitto 2.0.11 printed for these names ("Loading config file ...").
        assertThat(loaded).containsExactly("00.conf", "01.conf", "A.conf", "a.conf", "B.conf", "b.conf", "Z.conf", "_x.conf");
    }

    @Test
    void severalIncludeDirsLoadInTheOrderWritten() throws Exception {
        Path one = dir.resolve("one.d");
        Path two = dir.resolve("two.d");
        ConfigFiles.write(one, "B.conf", "listener 2001\n");
        ConfigFiles.write(one, "C.conf", "listener 2002\n");
        ConfigFiles.write(two, "A.conf", "listener 2003\n");
        ConfigFiles.write(two, "D.conf", "listener 2004\n");
        BrokerConfig c = ConfigFiles.parse(dir, "include_dir " + one + "\ninclude_dir " + two + "\n");
        assertThat(c.listeners()).extracting(ListenerConfig::port).containsExactly(2001, 2002, 2003, 2004);
    }

    @Test
    void optionsInIncludedFilesCarryTheirOwnLocation() throws Exception {
        Path inc = dir.resolve("conf.d");
        Path tls = ConfigFiles.write(inc, "tls.conf", "# tls\nlistener 8883\npsk_hint h\npsk_file psk.txt\n");
        BrokerConfig c = ConfigFiles.parse(dir, "allow_anonymous false\ninclude_dir " + inc + "\n");
        assertThat(c.locationOf("psk_file")).contains(new Location(tls, 4));
        assertThat(c.listeners().get(0).locationOf("psk_hint")).contains(new Location(tls, 3));
        assertThat(c.locationOf("allow_anonymous")).contains(new Location(dir.resolve("tern.conf"), 1));
    }

    @Test
    void anErrorInAnIncludedFileNamesThatFileAndLine() {
        Path inc = dir.resolve("conf.d");
        ConfigFiles.write(inc, "a.conf", "listener 1883\n");
        Path bad = ConfigFiles.write(inc, "b.conf", "# fine\nmax_inflight_messages lots\n");
        Path main = ConfigFiles.write(dir, "tern.conf", "include_dir " + inc + "\n");
        assertThatExceptionOfType(ConfigException.class).isThrownBy(() -> ConfigParser.parse(main))
                .withMessage(bad + ":2: max_inflight_messages: 'lots' is not a number");
        assertThat(ConfigParser.check(main)).extracting(ConfigProblem::toString)
                .containsExactly(bad + ":2: max_inflight_messages: 'lots' is not a number");
    }

    @Test
    void checkGoesOnAfterAnIncludedFileFails() {
        Path inc = dir.resolve("conf.d");
        Path a = ConfigFiles.write(inc, "a.conf", "wat 1\n");
        Path b = ConfigFiles.write(inc, "b.conf", "memory_limit 5\n");
        Path main = ConfigFiles.write(dir, "tern.conf", "include_dir " + inc + "\nlisten 1883\n");
        assertThat(ConfigParser.check(main)).extracting(ConfigProblem::toString).containsExactly(
                a + ":1: unknown option 'wat'",
                b + ":1: option 'memory_limit' is not supported yet",
                main + ":2: unknown option 'listen'");
    }

    @Test
    void includeDirInsideAnIncludedFileIsRefused() {
        Path inc = dir.resolve("conf.d");
        Path nested = ConfigFiles.write(inc, "a.conf", "include_dir " + dir + "\n");
        Path main = ConfigFiles.write(dir, "tern.conf", "listener 1883\ninclude_dir " + inc + "\n");
        assertThatExceptionOfType(ConfigException.class).isThrownBy(() -> ConfigParser.parse(main))
                .withMessage(nested + ":1: include_dir: only allowed in the main configuration file");
    }

    @Test
    void includeDirHoldingTheMainFileIsRefused() {
        Path main = ConfigFiles.write(dir, "tern.conf", "listener 1883\ninclude_dir " + dir + "\n");
        assertThatExceptionOfType(ConfigException.class).isThrownBy(() -> ConfigParser.parse(main))
                .withMessage(main + ":2: include_dir: '" + dir + "' contains the main configuration file");
    }

    @Test
    void orderComparator() {
        assertThat(ConfigParser.includeOrder("A.conf", "a.conf")).isNegative();
        assertThat(ConfigParser.includeOrder("a.conf", "B.conf")).isNegative();
        assertThat(ConfigParser.includeOrder("Z.conf", "_x.conf")).isNegative();
        assertThat(ConfigParser.includeOrder("ab.conf", "ab.conf")).isZero();
        assertThat(ConfigParser.includeOrder("a.conf", "ab.conf")).isNegative();
    }
}
