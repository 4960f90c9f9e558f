package io.tern.dynsec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tern.broker.Broker;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The plugin's ACL semantics as a table, tried with a real MQTT 5 client (Paho) against the real Mosquitto 2.0
 * with its dynamic-security plugin and against Tern, both set up by the same control requests: every row must
 * come out the same on both, and as written. Covers the six ACL types, allow and deny, ACL priorities within a
 * role, role priorities, client roles before group roles, the anonymous group, the default access (and that it
 * never opens {@code $CONTROL}), literal versus pattern (un)subscribe ACLs, {@code $SYS} writes, and that
 * {@code %c}/{@code %u} are not substituted (Mosquitto 2.0's plugin matches them literally).
 */
class AclSemanticsTest {

    enum Op { PUB, SUB, UNSUB, RECV }

    record Row(String user, Op op, String topic, boolean allowed) {
        @Override
        public String toString() {
            return (user == null ? "anonymous" : user) + " " + op + " " + topic + " -> " + (allowed ? "allow" : "deny");
        }
    }

    /** Requests that build the same clients, groups and roles in both brokers. */
    static final String SETUP = """
            {"commands":[
             {"command":"setDefaultACLAccess","acls":[{"acltype":"publishClientSend","allow":false},
               {"acltype":"publishClientReceive","allow":false},{"acltype":"subscribe","allow":true},
               {"acltype":"unsubscribe","allow":false}]},
             {"command":"createRole","rolename":"r-high","acls":[
               {"acltype":"publishClientSend","topic":"t/#","allow":false,"priority":5},
               {"acltype":"publishClientSend","topic":"t/a","allow":true,"priority":10},
               {"acltype":"publishClientReceive","topic":"r/#","allow":true},
               {"acltype":"publishClientReceive","topic":"r/secret","allow":false,"priority":1},
               {"acltype":"subscribeLiteral","topic":"s/lit","allow":false},
               {"acltype":"subscribePattern","topic":"s/#","allow":true},
               {"acltype":"subscribePattern","topic":"s/deny/#","allow":false,"priority":5},
               {"acltype":"unsubscribeLiteral","topic":"u/lit","allow":true},
               {"acltype":"unsubscribePattern","topic":"u/#","allow":false}]},
             {"command":"createRole","rolename":"r-low","acls":[
               {"acltype":"publishClientSend","topic":"t/#","allow":true},
               {"acltype":"publishClientSend","topic":"g/#","allow":true},
               {"acltype":"publishClientSend","topic":"%u/#","allow":true},
               {"acltype":"publishClientReceive","topic":"t/#","allow":true},
               {"acltype":"publishClientReceive","topic":"sentinel","allow":true},
               {"acltype":"subscribePattern","topic":"x/+","allow":false}]},
             {"command":"createRole","rolename":"r-group","acls":[
               {"acltype":"publishClientSend","topic":"g/deny","allow":false,"priority":9},
               {"acltype":"publishClientSend","topic":"grp/only","allow":true}]},
             {"command":"createRole","rolename":"r-anon","acls":[
               {"acltype":"publishClientSend","topic":"anon/#","allow":true},
               {"acltype":"publishClientReceive","topic":"anon/#","allow":true},
               {"acltype":"publishClientReceive","topic":"sentinel","allow":true}]},
             {"command":"createRole","rolename":"r-pub","acls":[{"acltype":"publishClientSend","topic":"#","allow":true}]},
             {"command":"createGroup","groupname":"grp","roles":[{"rolename":"r-group","priority":1}]},
             {"command":"createGroup","groupname":"anon","roles":[{"rolename":"r-anon"}]},
             {"command":"setAnonymousGroup","groupname":"anon"},
             {"command":"createClient","username":"alice","password":"a","roles":[{"rolename":"r-high","priority":2},{"rolename":"r-low","priority":1}]},
             {"command":"createClient","username":"bob","password":"b","roles":[{"rolename":"r-low"}],"groups":[{"groupname":"grp"}]},
             {"command":"createClient","username":"carol","password":"c"},
             {"command":"createClient","username":"pub","password":"p","roles":[{"rolename":"r-pub"}]}
            ]}""";

    static final List<Row> TABLE = List.of(
            new Row("alice", Op.PUB, "t/a", true),            // priority 10 allow beats priority 5 deny
            new Row("alice", Op.PUB, "t/b", false),           // r-high's deny before r-low's allow
            new Row("alice", Op.PUB, "g/x", true),            // second role
            new Row("alice", Op.PUB, "other", false),         // default publishClientSend false
            new Row("alice", Op.PUB, "$SYS/x", false),
            new Row("alice", Op.PUB, "$CONTROL/other/v1", false),
            new Row("alice", Op.PUB, "$CONTROL/dynamic-security/v1", false), // only the plugin's ACLs open it
            new Row("alice", Op.PUB, "alice/x", false),       // Mosquitto 2.0's plugin does not expand %u
            new Row("alice", Op.PUB, "%u/x", true),
            new Row("alice", Op.SUB, "s/a", true),
            new Row("alice", Op.SUB, "s/lit", false),         // literal beats pattern
            new Row("alice", Op.SUB, "s/deny/x", false),
            new Row("alice", Op.SUB, "s/#", true),
            new Row("alice", Op.SUB, "x/y", false),           // r-low's pattern
            new Row("alice", Op.SUB, "x/y/z", true),          // x/+ does not cover x/y/z: default
            new Row("alice", Op.SUB, "other/topic", true),    // default subscribe true
            new Row("alice", Op.SUB, "#", true),
            new Row("alice", Op.SUB, "$CONTROL/dynamic-security/v1/response", false), // no default for $CONTROL
            new Row("alice", Op.UNSUB, "u/lit", true),
            new Row("alice", Op.UNSUB, "u/x", false),
            new Row("alice", Op.UNSUB, "z", false),           // default unsubscribe false
            new Row("alice", Op.RECV, "r/a", true),
            new Row("alice", Op.RECV, "r/secret", false),     // higher-priority deny in the same role
            new Row("alice", Op.RECV, "t/x", true),
            new Row("alice", Op.RECV, "q", false),            // default publishClientReceive false
            new Row("bob", Op.PUB, "g/deny", true),           // client roles come before group roles
            new Row("bob", Op.PUB, "grp/only", true),         // group role
            new Row("bob", Op.PUB, "zz", false),
            new Row("bob", Op.SUB, "x/1", false),
            new Row("bob", Op.UNSUB, "anything", false),
            new Row("carol", Op.PUB, "a", false),
            new Row("carol", Op.SUB, "a", true),
            new Row("carol", Op.SUB, "$CONTROL/#", false),
            new Row(null, Op.PUB, "anon/x", true),            // anonymous group
            new Row(null, Op.PUB, "t/a", false),
            new Row(null, Op.RECV, "anon/x", true),
            new Row(null, Op.RECV, "t/x", false),
            new Row(null, Op.SUB, "anon/x", true));

    @Test
    void sameAllowAndDenyAsMosquitto(@TempDir Path dir) throws Exception {
        Brokers.assumeMosquitto();
        Path mosquittoFile = Brokers.initFile(dir, "m.json");
        Path ternFile = dir.resolve("t.json");
        Files.copy(mosquittoFile, ternFile);
        List<Boolean> expected = TABLE.stream().map(Row::allowed).toList();
        try (Brokers.Child mosquitto = Brokers.Child.mosquitto(dir, Brokers.freePort(), mosquittoFile, "allow_anonymous true")) {
            assertThat(Brokers.request(mosquitto.port, SETUP)).doesNotContain("error");
            List<Boolean> got = run(mosquitto.port);
            assertThat(describe(got)).as("Mosquitto's answers (the table is wrong where they differ)")
                    .isEqualTo(describe(expected));
        }
        int port = Brokers.freePort();
        // Mosquitto's own cost for the passwords the test sets: each row connects afresh
        try (Broker tern = Brokers.tern(dir, Brokers.conf(port, ternFile, "plugin_opt_password_iterations 101",
                "allow_anonymous true"))) {
            assertThat(Brokers.request(port, SETUP)).doesNotContain("error");
            assertThat(describe(run(port))).isEqualTo(describe(expected));
        }
    }

    private static List<String> describe(List<Boolean> results) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < TABLE.size(); i++) {
            Row r = TABLE.get(i);
            out.add(new Row(r.user(), r.op(), r.topic(), results.get(i)).toString());
        }
        return out;
    }

    private static List<Boolean> run(int port) throws Exception {
        List<Boolean> out = new ArrayList<>();
        Client pub = new Client(port, "pub", "p");
        try {
            for (Row row : TABLE) {
                Client c = new Client(port, row.user(), row.user() == null ? null : row.user().substring(0, 1));
                try {
                    out.add(switch (row.op()) {
                        case PUB -> c.publish(row.topic()) < 0x80;
                        case SUB -> c.subscribe(row.topic()) < 0x80;
                        case UNSUB -> c.unsubscribe(row.topic()) < 0x80;
                        case RECV -> c.receives(pub, row.topic());
                    });
                } finally {
                    c.close();
                }
            }
        } finally {
            pub.close();
        }
        return out;
    }

    /** A Paho MQTT 5 client; every wait bounded. */
    static final class Client implements MqttCallback {
        private static final long WAIT = 10_000;
        final MqttAsyncClient paho;
        final BlockingQueue<String> arrived = new LinkedBlockingQueue<>();

        Client(int port, String user, String password) throws MqttException {
            paho = new MqttAsyncClient("tcp://127.0.0.1:" + port, (user == null ? "anon" : user) + "-" + System.nanoTime(),
                    new MemoryPersistence());
            paho.setCallback(this);
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(true);
            if (user != null) {
                o.setUserName(user);
                o.setPassword(password.getBytes(StandardCharsets.UTF_8));
            }
            paho.connect(o).waitForCompletion(WAIT);
        }

        int publish(String topic) throws MqttException {
            MqttMessage m = new MqttMessage("x".getBytes(StandardCharsets.UTF_8));
            m.setQos(1);
            return code(paho.publish(topic, m));
        }

        int subscribe(String filter) throws MqttException {
            return code(paho.subscribe(filter, 1));
        }

        int unsubscribe(String filter) throws MqttException {
            return code(paho.unsubscribe(filter));
        }

        /** Subscribes, lets {@code pub} send the topic then a sentinel, and says whether the topic came first. */
        boolean receives(Client pub, String topic) throws Exception {
            assertThat(subscribe(topic)).as("subscribe %s", topic).isLessThan(0x80);
            assertThat(subscribe("sentinel")).isLessThan(0x80);
            assertThat(pub.publish(topic)).isLessThan(0x80);
            assertThat(pub.publish("sentinel")).isLessThan(0x80);
            while (true) {
                String t = arrived.poll(WAIT, TimeUnit.MILLISECONDS);
                assertThat(t).as("the sentinel arrived").isNotNull();
                if (t.equals("sentinel")) {
                    return false;
                }
                if (t.equals(topic)) {
                    return true;
                }
            }
        }

        private static int code(IMqttToken token) {
            try {
                token.waitForCompletion(WAIT);
            } catch (MqttException e) {
                return e.getReasonCode();
            }
            int[] codes = token.getReasonCodes();
            return codes == null || codes.length == 0 ? 0 : codes[0];
        }

        void close() throws MqttException {
            if (paho.isConnected()) {
                paho.disconnect().waitForCompletion(WAIT);
            }
            paho.close();
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            arrived.add(topic);
        }

        @Override
        public void disconnected(MqttDisconnectResponse r) {
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }
}
