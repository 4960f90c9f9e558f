package io.tern.dynsec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.broker.Broker;
import org.awaitility.Awaitility;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Changes apply to connected clients at once: a removed ACL stops deliveries with the next message, a disabled
 * or deleted client is disconnected (MQTT 5: DISCONNECT 0x98, administrative action) and cannot come back, and
 * every change is in the file before the answer is sent.
 */
class LiveChangesTest {

    static final String SETUP = """
            {"commands":[
             {"command":"createRole","rolename":"reader","acls":[
               {"acltype":"subscribePattern","topic":"r/#","allow":true},
               {"acltype":"publishClientReceive","topic":"r/#","allow":true},
               {"acltype":"publishClientReceive","topic":"sentinel","allow":true},
               {"acltype":"subscribeLiteral","topic":"sentinel","allow":true}]},
             {"command":"createRole","rolename":"writer","acls":[{"acltype":"publishClientSend","topic":"#","allow":true}]},
             {"command":"createClient","username":"alice","password":"a","roles":[{"rolename":"reader"}]},
             {"command":"createClient","username":"bob","password":"b","roles":[{"rolename":"reader"}]},
             {"command":"createClient","username":"pub","password":"p","roles":[{"rolename":"writer"}]}
            ]}""";

    @Test
    void changesApplyToConnectedClientsAtOnce(@TempDir Path dir) throws Exception {
        Brokers.assumeMosquitto();
        Path file = Brokers.initFile(dir, "dynsec.json");
        int port = Brokers.freePort();
        try (Broker tern = Brokers.tern(dir, Brokers.conf(port, file, "plugin_opt_password_iterations 101"))) {
            assertThat(Brokers.request(port, SETUP)).doesNotContain("error");
            assertThat(Files.readString(file)).contains("\"alice\"", "\"writer\"");
            // the second front door: the same model, called directly (as the console's REST API does)
            DynamicSecurity model = tern.extensions().stream().filter(DynsecExtension.class::isInstance)
                    .map(e -> ((DynsecExtension) e).instances().get(file)).findFirst().orElseThrow();
            assertThat(model.execute("{\"commands\":[{\"command\":\"getClient\",\"username\":\"alice\"}]}",
                    "rest", "admin").get(10, TimeUnit.SECONDS)).contains("\"username\":\"alice\"", "\"rolename\":\"reader\"");
            AclSemanticsTest.Client pub = new AclSemanticsTest.Client(port, "pub", "p");
            AclSemanticsTest.Client alice = new AclSemanticsTest.Client(port, "alice", "a");
            AclSemanticsTest.Client bob = new AclSemanticsTest.Client(port, "bob", "b");
            try {
                assertThat(alice.receives(pub, "r/1")).isTrue();
                // modifyRole replaces the ACLs without disconnecting anyone (as in Mosquitto)
                assertThat(Brokers.request(port, """
                        {"commands":[{"command":"modifyRole","rolename":"reader","acls":[
                          {"acltype":"subscribePattern","topic":"r/#","allow":true},
                          {"acltype":"subscribeLiteral","topic":"sentinel","allow":true},
                          {"acltype":"publishClientReceive","topic":"sentinel","allow":true}]}]}""")).doesNotContain("error");
                assertThat(alice.paho.isConnected()).isTrue();
                assertThat(alice.receives(pub, "r/1")).as("the next message after the ACL went").isFalse();

                Brokers.ctrl(port, "disableClient", "alice");
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !alice.paho.isConnected());
                assertThatThrownBy(() -> new AclSemanticsTest.Client(port, "alice", "a"))
                        .isInstanceOf(MqttException.class);
                Brokers.ctrl(port, "enableClient", "alice");
                new AclSemanticsTest.Client(port, "alice", "a").close();

                Brokers.ctrl(port, "deleteClient", "bob");
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !bob.paho.isConnected());
                assertThatThrownBy(() -> new AclSemanticsTest.Client(port, "bob", "b")).isInstanceOf(MqttException.class);
                assertThat(Files.readString(file)).doesNotContain("\"bob\"");
            } finally {
                pub.close();
                alice.close();
                bob.close();
            }
        }
    }

    @Test
    void changesSurviveKillMinusNine(@TempDir Path dir) throws Exception {
        Brokers.assumeMosquitto();
        Path file = Brokers.initFile(dir, "dynsec.json");
        int port = Brokers.freePort();
        try (Brokers.Child tern = Brokers.Child.tern(dir, port, file)) {
            // the answer comes after the file was written and fsynced
            assertThat(Brokers.ctrl(port, "createClient", "zed", "-p", "zedpw")).doesNotContain("Error");
            assertThat(Brokers.ctrl(port, "createRole", "zr")).doesNotContain("Error");
            assertThat(Brokers.ctrl(port, "addClientRole", "zed", "zr", "7")).doesNotContain("Error");
            tern.kill();
            assertThat(tern.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.exists(dir.resolve("dynsec.json.new"))).isFalse();
        try (Brokers.Child again = Brokers.Child.tern(dir, port, file)) {
            assertThat(Brokers.ctrl(port, "getClient", "zed")).contains("Username: zed", "zr (priority: 7)");
            assertThat(Brokers.run(Duration.ofSeconds(20), "/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p",
                    String.valueOf(port), "-u", "zed", "-P", "zedpw", "-t", "x", "-m", "1").exitCode()).isZero();
        }
    }

    @Test
    void aBadFileStopsStartUpWithWhereAndWhy(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("broken.json");
        Files.writeString(file, "{\"clients\": [ {\"username\": \"a\", ");
        int port = Brokers.freePort();
        assertThatThrownBy(() -> Brokers.tern(dir, Brokers.conf(port, file)))
                .hasMessageContaining(":2: plugin_opt_config_file: " + file + ": not valid JSON");
        Files.writeString(file, "{\"clients\": [{\"username\": \"a\", \"salt\": \"c2hvcnQ=\", \"password\": \"eA==\","
                + " \"iterations\": 101}]}");
        assertThatThrownBy(() -> Brokers.tern(dir, Brokers.conf(port, file)))
                .hasMessageContaining("client 'a': salt must be 12 bytes, is 5");
        assertThatThrownBy(() -> Brokers.tern(dir, Brokers.conf(port, dir.resolve("missing.json"))))
                .hasMessageContaining("no such file (create one with 'mosquitto_ctrl dynsec init");
        // and tern --test-config says the same without starting
        Path conf = dir.resolve("check.conf");
        Files.writeString(conf, Brokers.conf(port, file));
        Brokers.Result r = Brokers.run(Duration.ofSeconds(60), Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), "io.tern.broker.Main", "-c", conf.toString(),
                "--test-config");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.output()).contains(conf + ":2: plugin_opt_config_file: " + file + ": client 'a': salt must be 12 bytes");
    }
}
