package io.tern.dynsec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tern.broker.Broker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The same sequence of control commands against the real Mosquitto 2.0 with its dynamic-security plugin and
 * against Tern, through the real {@code mosquitto_ctrl} (every command it has) and raw JSON requests through
 * {@code mosquitto_rr} (the commands it lacks, verbose listings, invalid input): the answers must be the same,
 * and so must the files both saved (except the password hashes). Then the files cross over: Mosquitto's file
 * served by Tern, Tern's by Mosquitto, with the same listings, and a password Tern set works in Mosquitto.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MosquittoCtrlDifferentialTest {

    private Path dir;
    private Brokers.Child mosquitto;
    private Broker tern;
    private int ternPort;
    private Path mosquittoFile;
    private Path ternFile;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        Brokers.assumeMosquitto();
        mosquittoFile = Brokers.initFile(dir, "mosquitto-dynsec.json");
        ternFile = dir.resolve("tern-dynsec.json");
        Files.copy(mosquittoFile, ternFile);
        mosquitto = Brokers.Child.mosquitto(dir, Brokers.freePort(), mosquittoFile);
        ternPort = Brokers.freePort();
        tern = Brokers.tern(dir, Brokers.conf(ternPort, ternFile));
    }

    @AfterAll
    void stop() throws Exception {
        if (tern != null) {
            tern.close();
        }
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    /** mosquitto_ctrl dynsec commands: every one the tool has, with the failures it can provoke. */
    static final List<String> CTRL_STEPS = List.of(
            "getDefaultACLAccess",
            "setDefaultACLAccess publishClientSend allow",
            "setDefaultACLAccess subscribe allow",
            "getDefaultACLAccess",
            "createClient alice -p alicepw",
            "createClient bob -c bob-id -p bobpw",
            "createClient carol",
            "createClient alice -p again",
            "getClient alice",
            "setClientId carol carol-1",
            "getClient carol",
            "setClientId carol",
            "setClientPassword carol carolpw",
            "setClientPassword nobody pw",
            "createRole reader",
            "createRole writer",
            "createRole reader",
            "addRoleACL reader publishClientReceive sensors/# allow 5",
            "addRoleACL reader subscribePattern sensors/# allow",
            "addRoleACL reader subscribeLiteral sensors/secret deny 10",
            "addRoleACL reader unsubscribeLiteral sensors/x allow",
            "addRoleACL reader unsubscribePattern # deny",
            "addRoleACL writer publishClientSend sensors/+/temp allow 1",
            "addRoleACL writer publishClientSend sensors/+/temp allow 1",
            "addRoleACL writer publishClientSend sensors/q deny 1",
            "addRoleACL writer publishClientSend sensors/z deny 3",
            "addRoleACL writer publishClientSend a/#/b allow",
            "addRoleACL nobody publishClientSend a allow",
            "getRole reader",
            "getRole writer",
            "addClientRole alice reader 2",
            "addClientRole alice writer",
            "addClientRole alice reader",
            "addClientRole nobody reader",
            "addClientRole alice nothere",
            "getClient alice",
            "createGroup staff",
            "createGroup staff",
            "addGroupRole staff writer 4",
            "addGroupRole staff writer",
            "addGroupRole nogroup writer",
            "addGroupClient staff bob 7",
            "addGroupClient staff alice",
            "addGroupClient staff alice",
            "addGroupClient staff nobody",
            "addGroupClient nogroup alice",
            "getGroup staff",
            "getClient bob",
            "listClients",
            "listClients 1",
            "listClients 1 1",
            "listGroups",
            "listRoles",
            "listRoles 1 1",
            "setAnonymousGroup staff",
            "getAnonymousGroup",
            "setAnonymousGroup nope",
            "removeGroupClient staff alice",
            "removeGroupClient staff nobody",
            "removeGroupRole staff writer",
            "removeGroupRole staff nothere",
            "removeClientRole alice writer",
            "removeClientRole alice nothere",
            "removeRoleACL reader subscribeLiteral sensors/secret deny",
            "removeRoleACL reader subscribeLiteral sensors/secret deny",
            "disableClient bob",
            "getClient bob",
            "enableClient bob",
            "enableClient nobody",
            "deleteClient carol",
            "deleteClient carol",
            "createGroup temp",
            "deleteGroup temp",
            "deleteGroup temp",
            "createRole tmp",
            "deleteRole tmp",
            "deleteRole tmp",
            "getClient nobody",
            "getGroup nobody",
            "getRole nobody");

    /** Raw requests: the commands mosquitto_ctrl lacks, verbose listings and invalid input. */
    static final List<String> JSON_STEPS = List.of(
            "{\"commands\":[{\"command\":\"modifyClient\",\"username\":\"alice\",\"textname\":\"Alice\",\"textdescription\":\"d\","
                    + "\"roles\":[{\"rolename\":\"writer\",\"priority\":9},{\"rolename\":\"reader\"}],"
                    + "\"groups\":[{\"groupname\":\"staff\",\"priority\":3}],\"correlationData\":\"c1\"},"
                    + "{\"command\":\"getClient\",\"username\":\"alice\"}]}",
            "{\"commands\":[{\"command\":\"modifyClient\",\"username\":\"alice\",\"roles\":[{\"rolename\":\"missing\"}]},"
                    + "{\"command\":\"modifyClient\",\"username\":\"alice\",\"roles\":\"x\"},"
                    + "{\"command\":\"modifyClient\",\"username\":\"nobody\"}]}",
            "{\"commands\":[{\"command\":\"modifyGroup\",\"groupname\":\"staff\",\"textname\":\"Staff\","
                    + "\"roles\":[{\"rolename\":\"reader\",\"priority\":1}],"
                    + "\"clients\":[{\"username\":\"bob\",\"priority\":2},{\"username\":\"alice\"}]},"
                    + "{\"command\":\"getGroup\",\"groupname\":\"staff\"},{\"command\":\"modifyGroup\",\"groupname\":\"none\"}]}",
            "{\"commands\":[{\"command\":\"modifyRole\",\"rolename\":\"writer\",\"textname\":\"W\",\"acls\":["
                    + "{\"acltype\":\"publishClientSend\",\"topic\":\"x/#\",\"allow\":true,\"priority\":2},"
                    + "{\"acltype\":\"PUBLISHCLIENTRECEIVE\",\"topic\":\"y\",\"priority\":1},"
                    + "{\"acltype\":\"publishClientSend\",\"topic\":\"z\",\"priority\":2}]},"
                    + "{\"command\":\"getRole\",\"rolename\":\"writer\"},{\"command\":\"modifyRole\",\"rolename\":\"nobody\"}]}",
            "{\"commands\":[{\"command\":\"listClients\",\"verbose\":true},{\"command\":\"listGroups\",\"verbose\":true},"
                    + "{\"command\":\"listRoles\",\"verbose\":true,\"count\":2},{\"command\":\"listGroups\",\"count\":0}]}",
            "{\"commands\":[{\"command\":\"createClient\",\"username\":\"dave\",\"password\":\"p\",\"clientid\":\"d\","
                    + "\"textname\":\"Dave\",\"roles\":[{\"rolename\":\"reader\"}],\"groups\":[{\"groupname\":\"staff\",\"priority\":1}]},"
                    + "{\"command\":\"getClient\",\"username\":\"dave\"}]}",
            "{\"commands\":[{\"command\":\"createClient\",\"username\":\"erin\",\"groups\":[{\"groupname\":\"nope\"}]},"
                    + "{\"command\":\"getClient\",\"username\":\"erin\"},"
                    + "{\"command\":\"createClient\",\"username\":\"fred\",\"roles\":[{\"rolename\":\"nope\"}]},"
                    + "{\"command\":\"createClient\",\"username\":\"gina\",\"password\":5}]}",
            "{\"commands\":[{\"command\":\"createGroup\",\"groupname\":\"g2\",\"roles\":[{\"rolename\":\"nope\"}]},"
                    + "{\"command\":\"createGroup\",\"groupname\":\"g3\",\"textname\":\"G\",\"roles\":[{\"rolename\":\"reader\",\"priority\":5}]},"
                    + "{\"command\":\"getGroup\",\"groupname\":\"g3\"}]}",
            "{\"commands\":[{\"command\":\"createRole\",\"rolename\":\"r3\",\"acls\":[{\"acltype\":\"subscribePattern\","
                    + "\"topic\":\"a/+\",\"allow\":true},{\"acltype\":\"unsubscribeLiteral\",\"topic\":\"b\"}]},"
                    + "{\"command\":\"getRole\",\"rolename\":\"r3\"}]}",
            "{\"commands\":[{\"command\":\"unknownThing\",\"correlationData\":\"u\"}]}",
            "{\"commands\":[\"bad\",{},{\"command\":5},{\"command\":\"getAnonymousGroup\",\"correlationData\":\"k\"},{}]}",
            "{\"commands\":[{\"command\":\"getClient\",\"correlationData\":7},{\"command\":\"listClients\"}]}",
            "not json",
            "{\"commands\":\"x\"}",
            "[1,2]",
            "{\"commands\":[{\"command\":\"CREATEROLE\",\"ROLENAME\":\"Upper\"},{\"command\":\"getrole\",\"rolename\":\"Upper\"}]}",
            "{\"commands\":[{\"command\":\"setDefaultACLAccess\",\"acls\":[{\"acltype\":\"unsubscribe\",\"allow\":false},"
                    + "{\"acltype\":\"bogus\",\"allow\":true},{\"acltype\":\"subscribe\"}]},{\"command\":\"getDefaultACLAccess\"},"
                    + "{\"command\":\"setDefaultACLAccess\"}]}",
            "{\"commands\":[{\"command\":\"addRoleACL\",\"rolename\":\"r3\",\"acltype\":\"subscribeLiteral\",\"topic\":\"a/#/b\"},"
                    + "{\"command\":\"addRoleACL\",\"rolename\":\"r3\",\"acltype\":\"nope\",\"topic\":\"a\"},"
                    + "{\"command\":\"addRoleACL\",\"rolename\":\"r3\",\"topic\":\"a\"},"
                    + "{\"command\":\"addRoleACL\",\"rolename\":\"r3\",\"acltype\":\"subscribeLiteral\"},"
                    + "{\"command\":\"removeRoleACL\",\"rolename\":\"r3\",\"acltype\":\"subscribeLiteral\",\"topic\":\"+x\"},"
                    + "{\"command\":\"removeRoleACL\",\"rolename\":\"r3\",\"acltype\":\"unsubscribeliteral\",\"topic\":\"b\"}]}",
            "{\"commands\":[{\"command\":\"setClientPassword\",\"username\":\"alice\",\"password\":\"\"},"
                    + "{\"command\":\"createClient\"},{\"command\":\"deleteClient\",\"username\":5},"
                    + "{\"command\":\"setClientId\",\"username\":\"alice\",\"clientid\":5},"
                    + "{\"command\":\"addGroupClient\",\"username\":\"alice\"},{\"command\":\"getGroup\"},{\"command\":\"getRole\"}]}");

    @Test
    @Order(1)
    void everyCommandAnswersAsMosquittoDoes() throws Exception {
        List<String> differences = new ArrayList<>();
        java.util.Map<String, String> answers = new java.util.HashMap<>();
        for (String step : CTRL_STEPS) {
            String[] args = step.split(" ");
            String expected = Brokers.ctrl(mosquitto.port, args);
            String actual = Brokers.ctrl(ternPort, args);
            answers.put(step, actual);
            if (!expected.equals(actual)) {
                differences.add("mosquitto_ctrl dynsec " + step + "\n  mosquitto: " + expected + "\n  tern:      " + actual);
            }
        }
        for (String step : JSON_STEPS) {
            String expected = Brokers.request(mosquitto.port, step);
            String actual = Brokers.request(ternPort, step);
            if (!Json.MAPPER.readTree(expected).equals(Json.MAPPER.readTree(actual))) {
                differences.add(step + "\n  mosquitto: " + expected + "\n  tern:      " + actual);
            }
        }
        assertThat(differences).as("answers that differ").isEmpty();
        // and they are answers, not two timeouts
        assertThat(answers.get("getRole reader")).contains("subscribeLiteral", "sensors/secret", "(priority: 10)");
        assertThat(answers.get("getClient alice")).contains("Username: alice", "reader (priority: 2)");
        assertThat(answers.get("createClient alice -p again")).contains("Client already exists");
        // both saved each change before answering: the files are alike but for the hashes
        assertThat(withoutHashes(Files.readString(ternFile))).isEqualTo(withoutHashes(Files.readString(mosquittoFile)));
    }

    /** Everything both brokers can list, as one request. */
    static final String EVERYTHING = "{\"commands\":[{\"command\":\"listClients\",\"verbose\":true},"
            + "{\"command\":\"listGroups\",\"verbose\":true},{\"command\":\"listRoles\",\"verbose\":true},"
            + "{\"command\":\"getDefaultACLAccess\"},{\"command\":\"getAnonymousGroup\"}]}";

    @Test
    @Order(2)
    void filesCrossOverBetweenMosquittoAndTern() throws Exception {
        JsonNode ternView = Json.MAPPER.readTree(Brokers.request(ternPort, EVERYTHING));
        JsonNode mosquittoView = Json.MAPPER.readTree(Brokers.request(mosquitto.port, EVERYTHING));
        assertThat(ternView).isEqualTo(mosquittoView);
        assertThat(ternView.at("/responses/0/data/totalCount").asInt()).isGreaterThan(3);

        // Mosquitto's file in Tern
        Path fromMosquitto = dir.resolve("from-mosquitto.json");
        Files.copy(mosquittoFile, fromMosquitto);
        int port = Brokers.freePort();
        try (Broker second = Brokers.tern(dir, Brokers.conf(port, fromMosquitto))) {
            assertThat(Json.MAPPER.readTree(Brokers.request(port, EVERYTHING))).isEqualTo(mosquittoView);
        }
        // Tern's file in Mosquitto, passwords Tern hashed included
        Path fromTern = dir.resolve("from-tern.json");
        Files.copy(ternFile, fromTern);
        try (Brokers.Child second = Brokers.Child.mosquitto(dir, Brokers.freePort(), fromTern)) {
            assertThat(Json.MAPPER.readTree(Brokers.request(second.port, EVERYTHING))).isEqualTo(ternView);
            assertThat(pub(second.port, "bob", "bobpw")).as("bob's password set through Tern, in Mosquitto").isZero();
            assertThat(pub(second.port, "bob", "wrong")).isNotZero();
        }
        assertThat(pub(ternPort, "bob", "bobpw")).isZero();
        assertThat(pub(ternPort, "bob", "wrong")).isNotZero();
    }

    private static int pub(int port, String user, String password) throws Exception {
        return Brokers.run(Duration.ofSeconds(20), "/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-i", "bob-id", "-u", user, "-P", password, "-t", "sensors/1/temp", "-m", "1", "-q", "1").exitCode();
    }

    private static String withoutHashes(String file) {
        return file.replaceAll("\"(password|salt)\":\t\"[^\"]*\"", "\"$1\":\t\"-\"")
                .replaceAll("\"iterations\":\t[0-9]+", "\"iterations\":\t-");
    }
}
