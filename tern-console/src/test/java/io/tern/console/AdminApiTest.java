package io.tern.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The REST admin API against a real broker, with real Paho clients observing what it does. */
class AdminApiTest {

    @TempDir
    static Path dir;
    static ConsoleFixture f;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        f = new ConsoleFixture(dir, "");
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    /** Every endpoint: 401 without credentials (with a Basic challenge), 403 for a user not in http_admin_users. */
    @ParameterizedTest
    @CsvSource({
        "GET, /api/v1/broker, ", "GET, /api/v1/history, ", "GET, /api/v1/session, ",
        "GET, /api/v1/clients, ", "GET, /api/v1/clients/x, ", "POST, /api/v1/clients/x/kick, {}",
        "POST, /api/v1/clients/x/expire, {}", "GET, /api/v1/clients/x/subscriptions, ",
        "POST, /api/v1/clients/x/subscriptions, '{\"filter\":\"a\"}'", "DELETE, /api/v1/clients/x/subscriptions?filter=a, ",
        "GET, /api/v1/subscriptions, ", "GET, /api/v1/retained, ", "DELETE, /api/v1/retained?filter=%23, ",
        "GET, /api/v1/retained/message?topic=a, ", "DELETE, /api/v1/retained/message?topic=a, ",
        "POST, /api/v1/publish, '{\"topic\":\"a\"}'", "GET, /api/v1/traces, ", "POST, /api/v1/traces, '{\"filter\":\"#\"}'",
        "GET, /api/v1/traces/1, ", "DELETE, /api/v1/traces/1, ", "GET, /api/v1/live, ", "GET, /metrics, ",
    })
    void everyEndpointRefusesStrangersAndNonAdmins(String method, String path, String body) throws Exception {
        HttpResponse<String> anonymous = f.call(method, path, null, body);
        assertThat(anonymous.statusCode()).as("no credentials").isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        assertThat(json(anonymous).get("error").asText()).isEqualTo("unauthorized");

        HttpResponse<String> wrong = f.call(method, path, ConsoleFixture.basic(ConsoleFixture.ADMIN, "wrong"), body);
        assertThat(wrong.statusCode()).as("wrong password").isEqualTo(401);
        assertThat(wrong.body()).doesNotContain(ConsoleFixture.ADMIN_PASSWORD);

        HttpResponse<String> bob = f.call(method, path, ConsoleFixture.basic(ConsoleFixture.BOB, ConsoleFixture.BOB_PASSWORD), body);
        assertThat(bob.statusCode()).as("not an admin").isEqualTo(403);
        assertThat(json(bob).get("error").asText()).isEqualTo("forbidden");
    }

    @Test
    void wrongCredentialsAreLogged() throws Exception {
        f.call("GET", "/api/v1/broker", ConsoleFixture.basic("mallory", "guess"), null);
        f.log.await("HTTP authentication failed for user 'mallory' from 127.0.0.1.");
    }

    @Test
    void brokerInfoHasVersionListenersMaskedConfigAndSys() throws Exception {
        HttpResponse<String> r = f.admin("GET", "/api/v1/broker", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode b = json(r);
        assertThat(b.get("version").asText()).isNotEmpty();
        assertThat(b.get("uptimeSeconds").asLong()).isNotNegative();
        assertThat(b.get("listeners")).extracting(l -> l.get("protocol").asText()).containsExactly("mqtt", "http");
        assertThat(b.get("config").get("http_admin_users").get(0).asText()).isEqualTo("admin");
        assertThat(b.get("sys").has("version")).isTrue();
        assertThat(b.get("clusterMembers").isArray()).isTrue();
        assertThat(b.get("clusterMembers")).isEmpty(); // a single node
        assertThat(r.body()).doesNotContain("$7$").doesNotContain(ConsoleFixture.ADMIN_PASSWORD);
    }

    @Test
    void clientsArePagedAndFiltered() throws Exception {
        List<MqttClient> cs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                cs.add(f.paho("paging-" + i, true));
            }
            JsonNode all = json(f.admin("GET", "/api/v1/clients?clientId=paging-", null));
            assertThat(all.get("total").asInt()).isEqualTo(3);
            JsonNode page = json(f.admin("GET", "/api/v1/clients?clientId=paging-&offset=1&limit=1", null));
            assertThat(page.get("items")).hasSize(1);
            assertThat(page.get("items").get(0).get("clientId").asText()).isEqualTo("paging-1");
            JsonNode c = page.get("items").get(0);
            assertThat(c.get("connected").asBoolean()).isTrue();
            assertThat(c.get("protocolVersion").asText()).isEqualTo("3.1.1");
            assertThat(c.get("listenerPort").asInt()).isEqualTo(f.mqttPort);
            assertThat(c.get("address").asText()).startsWith("127.0.0.1:");
            assertThat(c.get("keepAlive").asInt()).isEqualTo(60);
            assertThat(c.get("bytesIn").asLong()).isPositive();
            assertThat(c.get("bytesOut").asLong()).isPositive();
            assertThat(json(f.admin("GET", "/api/v1/clients?clientId=paging-&protocolVersion=5.0", null)).get("total").asInt()).isZero();
            assertThat(json(f.admin("GET", "/api/v1/clients?clientId=paging-&listener=" + f.mqttPort + "&connected=true", null))
                    .get("total").asInt()).isEqualTo(3);
            HttpResponse<String> bad = f.admin("GET", "/api/v1/clients?limit=0", null);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(json(bad).get("field").asText()).isEqualTo("limit");
            assertThat(json(f.admin("GET", "/api/v1/clients?connected=maybe", null)).get("field").asText()).isEqualTo("connected");
        } finally {
            for (MqttClient c : cs) {
                c.disconnect();
                c.close();
            }
        }
    }

    @Test
    void kickDisconnectsARealClient() throws Exception {
        MqttClient c = f.paho("kick-me", true);
        CountDownLatch lost = new CountDownLatch(1);
        c.setCallback(callback(lost, null));
        HttpResponse<String> r = f.admin("POST", "/api/v1/clients/kick-me/kick", "{}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(lost.await(10, TimeUnit.SECONDS)).as("Paho saw the connection close").isTrue();
        f.log.await("Disconnecting client kick-me at an administrator's request.");
        assertThat(f.admin("POST", "/api/v1/clients/kick-me/kick", "{}").statusCode()).as("gone or offline")
                .isIn(404, 409);
        assertThat(f.admin("POST", "/api/v1/clients/nobody/kick", "{}").statusCode()).isEqualTo(404);
        c.close();
    }

    @Test
    void kickTellsAnMqtt5ClientAdministrativeAction() throws Exception {
        org.eclipse.paho.mqttv5.client.MqttClient c = new org.eclipse.paho.mqttv5.client.MqttClient(
                "tcp://127.0.0.1:" + f.mqttPort, "kick-v5", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        c.setTimeToWait(10_000);
        BlockingQueue<Integer> reason = new LinkedBlockingQueue<>();
        c.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
            @Override public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {
                reason.add(r.getReturnCode());
            }
            @Override public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) { }
            @Override public void messageArrived(String t, org.eclipse.paho.mqttv5.common.MqttMessage m) { }
            @Override public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) { }
            @Override public void connectComplete(boolean reconnect, String uri) { }
            @Override public void authPacketArrived(int code, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) { }
        });
        c.connect();
        assertThat(json(f.admin("GET", "/api/v1/clients/kick-v5", null)).get("protocolVersion").asText()).isEqualTo("5.0");
        assertThat(f.admin("POST", "/api/v1/clients/kick-v5/kick", "{}").statusCode()).isEqualTo(200);
        // DISCONNECT 0x98 Administrative action (MQTT 5 table 3-10)
        assertThat(reason.poll(10, TimeUnit.SECONDS)).isEqualTo(0x98);
        c.close(true);
    }

    @Test
    void expireEndsAnOfflineSessionSoPahoFindsNoneOnReturn() throws Exception {
        MqttClient c = f.paho("expire-me", false);
        c.subscribe("expire/topic", 1);
        assertThat(f.admin("POST", "/api/v1/clients/expire-me/expire", "{}").statusCode()).as("connected").isEqualTo(409);
        c.disconnect();
        c.close();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                !json(f.admin("GET", "/api/v1/clients/expire-me", null)).get("connected").asBoolean());
        HttpResponse<String> r = f.admin("POST", "/api/v1/clients/expire-me/expire", "{}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("result").asText()).isEqualTo("expired");
        assertThat(f.admin("GET", "/api/v1/clients/expire-me", null).statusCode()).isEqualTo(404);
        MqttClient back = new MqttClient("tcp://127.0.0.1:" + f.mqttPort, "expire-me",
                new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        org.eclipse.paho.client.mqttv3.MqttConnectOptions o = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        o.setCleanSession(false);
        assertThat(back.connectWithResult(o).getSessionPresent()).as("the session was expired").isFalse();
        back.disconnect();
        back.close();
    }

    @Test
    void subscriptionsAddedByTheApiDeliverToTheClientAndCanBeRemoved() throws Exception {
        BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        MqttClient c = f.paho("sub-by-api", true);
        c.setCallback(callback(null, inbox));
        HttpResponse<String> add = f.admin("POST", "/api/v1/clients/sub-by-api/subscriptions",
                "{\"filter\":\"api/sub/#\",\"qos\":1}");
        assertThat(add.statusCode()).isEqualTo(201);
        JsonNode subs = json(f.admin("GET", "/api/v1/clients/sub-by-api/subscriptions", null));
        assertThat(subs).extracting(s -> s.get("filter").asText()).containsExactly("api/sub/#");
        JsonNode byTopic = json(f.admin("GET", "/api/v1/subscriptions?topic=api/sub/x", null));
        assertThat(byTopic.get("items")).extracting(s -> s.get("clientId").asText()).contains("sub-by-api");
        try (MqttClient pub = f.paho("sub-pub", true)) {
            pub.publish("api/sub/x", "via api".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(inbox.poll(10, TimeUnit.SECONDS)).isEqualTo("api/sub/x via api");
            assertThat(f.admin("DELETE", "/api/v1/clients/sub-by-api/subscriptions?filter=api/sub/%23", null).statusCode())
                    .isEqualTo(200);
            assertThat(f.admin("DELETE", "/api/v1/clients/sub-by-api/subscriptions?filter=api/sub/%23", null).statusCode())
                    .isEqualTo(404);
            pub.publish("api/sub/x", "after".getBytes(StandardCharsets.UTF_8), 1, false);
            pub.publish("sub-by-api/ping", "p".getBytes(StandardCharsets.UTF_8), 1, false);
            pub.disconnect();
        }
        HttpResponse<String> bad = f.admin("POST", "/api/v1/clients/sub-by-api/subscriptions", "{\"filter\":\"a/#/b\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("field").asText()).isEqualTo("filter");
        assertThat(json(f.admin("POST", "/api/v1/clients/sub-by-api/subscriptions", "{\"filter\":\"a\",\"qos\":3}"))
                .get("field").asText()).isEqualTo("qos");
        assertThat(inbox.poll(300, TimeUnit.MILLISECONDS)).as("nothing after the removal").isNull();
        c.disconnect();
        c.close();
    }

    @Test
    void aSubscriptionForAnUnknownClientQueuesForItAsAPersistentSessionWould() throws Exception {
        assertThat(f.admin("POST", "/api/v1/clients/future-client/subscriptions", "{\"filter\":\"queued/#\",\"qos\":1}")
                .statusCode()).isEqualTo(201);
        JsonNode offline = json(f.admin("GET", "/api/v1/clients/future-client", null));
        assertThat(offline.get("connected").asBoolean()).isFalse();
        assertThat(offline.get("expirySeconds").asLong()).isEqualTo(-1);
        assertThat(f.admin("POST", "/api/v1/publish", "{\"topic\":\"queued/x\",\"payload\":\"kept for you\",\"qos\":1}")
                .statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                json(f.admin("GET", "/api/v1/clients/future-client", null)).get("queued").asInt() == 1);
        BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + f.mqttPort, "future-client",
                new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        c.setCallback(callback(null, inbox));
        org.eclipse.paho.client.mqttv3.MqttConnectOptions o = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        o.setCleanSession(false);
        assertThat(c.connectWithResult(o).getSessionPresent()).isTrue();
        assertThat(inbox.poll(10, TimeUnit.SECONDS)).isEqualTo("queued/x kept for you");
        c.disconnect();
        c.close();
        assertThat(f.admin("POST", "/api/v1/clients/future-client/expire", "{}").statusCode()).isEqualTo(200);
    }

    @Test
    void retainedMessagesAreListedReadAndDeletedAsANewSubscriberSees() throws Exception {
        try (MqttClient pub = f.paho("ret-pub", true)) {
            pub.publish("ret/a", "A".getBytes(StandardCharsets.UTF_8), 1, true);
            pub.publish("ret/b", "B".getBytes(StandardCharsets.UTF_8), 1, true);
            pub.publish("ret/c/d", new byte[] {1, 2, (byte) 0xff}, 0, true);
            pub.disconnect();
        }
        await().atMost(Duration.ofSeconds(10)).until(() ->
                json(f.admin("GET", "/api/v1/retained?filter=ret/%23", null)).get("total").asInt() == 3);
        JsonNode page = json(f.admin("GET", "/api/v1/retained?filter=ret/%23&limit=2", null));
        assertThat(page.get("items")).extracting(m -> m.get("topic").asText()).containsExactly("ret/a", "ret/b");
        assertThat(json(f.admin("GET", "/api/v1/retained?filter=ret/%23&search=c/", null)).get("total").asInt()).isEqualTo(1);
        JsonNode one = json(f.admin("GET", "/api/v1/retained/message?topic=ret/c/d", null));
        assertThat(one.has("payload")).as("binary").isFalse();
        assertThat(one.get("payloadBase64").asText()).isEqualTo("AQL/");
        assertThat(json(f.admin("GET", "/api/v1/retained/message?topic=ret/a", null)).get("payload").asText()).isEqualTo("A");

        assertThat(f.admin("DELETE", "/api/v1/retained/message?topic=ret/a", null).statusCode()).isEqualTo(200);
        assertThat(f.admin("DELETE", "/api/v1/retained/message?topic=ret/a", null).statusCode()).isEqualTo(404);
        assertThat(f.admin("GET", "/api/v1/retained/message?topic=ret/a", null).statusCode()).isEqualTo(404);
        assertThat(retainedSeenBy("ret/#")).containsExactlyInAnyOrder("ret/b B", "ret/c/d \u0001\u0002\ufffd");

        JsonNode del = json(f.admin("DELETE", "/api/v1/retained?filter=ret/%23", null));
        assertThat(del.get("deleted").asInt()).isEqualTo(2);
        assertThat(retainedSeenBy("ret/#")).isEmpty();
        assertThat(json(f.admin("GET", "/api/v1/retained/message?topic=ret/%2B", null)).get("field").asText()).isEqualTo("topic");
    }

    /** What a new subscriber receives as retained messages within a short wait. */
    private static List<String> retainedSeenBy(String filter) throws Exception {
        BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        MqttClient c = f.paho("ret-sub-" + System.nanoTime(), true);
        c.setCallback(callback(null, inbox));
        c.subscribe(filter, 1);
        List<String> got = new ArrayList<>();
        String m;
        while ((m = inbox.poll(500, TimeUnit.MILLISECONDS)) != null) {
            got.add(m);
        }
        c.disconnect();
        c.close();
        return got;
    }

    @Test
    void publishIsReceivedByARealSubscriberAndFollowsTheAdminsAcl() throws Exception {
        BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        MqttClient sub = f.paho("api-pub-sub", true);
        sub.setCallback(callback(null, inbox));
        sub.subscribe("api/pub/#", 1);
        HttpResponse<String> r = f.admin("POST", "/api/v1/publish",
                "{\"topic\":\"api/pub/1\",\"payload\":\"hello from the API\",\"qos\":1}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(inbox.poll(10, TimeUnit.SECONDS)).isEqualTo("api/pub/1 hello from the API");
        assertThat(f.admin("POST", "/api/v1/publish", "{\"topic\":\"api/pub/2\",\"payloadBase64\":\"AAE=\",\"retain\":true,"
                + "\"properties\":{\"contentType\":\"application/octet-stream\",\"messageExpiryInterval\":60,"
                + "\"userProperties\":{\"k\":\"v\"}}}").statusCode()).isEqualTo(200);
        assertThat(inbox.poll(10, TimeUnit.SECONDS)).isEqualTo("api/pub/2 \u0000\u0001");
        assertThat(json(f.admin("GET", "/api/v1/retained/message?topic=api/pub/2", null)).get("expiresInSeconds").asInt())
                .isBetween(1, 60);

        HttpResponse<String> denied = f.admin("POST", "/api/v1/publish", "{\"topic\":\"forbidden/x\",\"payload\":\"no\"}");
        assertThat(denied.statusCode()).as("the ACL denies admin forbidden/#").isEqualTo(403);
        for (String[] bad : new String[][] {
                {"{\"payload\":\"x\"}", "topic"}, {"{\"topic\":\"a/+\"}", "topic"}, {"{\"topic\":\"a\",\"qos\":5}", "qos"},
                {"{\"topic\":\"a\",\"payloadBase64\":\"%%%\"}", "payloadBase64"},
                {"{\"topic\":\"a\",\"properties\":{\"nope\":1}}", "properties.nope"}, {"not json", "body"}}) {
            HttpResponse<String> e = f.admin("POST", "/api/v1/publish", bad[0]);
            assertThat(e.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(json(e).get("error").asText()).isEqualTo("bad_request");
            assertThat(json(e).get("field").asText()).as(bad[0]).isEqualTo(bad[1]);
        }
        sub.disconnect();
        sub.close();
    }

    @Test
    void aTraceExplainsWhatHappenedToMessages() throws Exception {
        JsonNode t = json(f.admin("POST", "/api/v1/traces", "{\"filter\":\"trace/#\",\"maxEvents\":100,\"durationSeconds\":60}"));
        String id = t.get("id").asText();
        assertThat(t.get("state").asText()).isEqualTo("running");
        MqttClient low = f.paho("trace-qos0", true);
        low.subscribe("trace/low", 0);
        MqttClient high = f.paho("trace-qos1", true);
        CountDownLatch got = new CountDownLatch(1);
        high.setCallback(callback(null, new LinkedBlockingQueue<>() {
            @Override
            public boolean add(String s) {
                got.countDown();
                return super.add(s);
            }
        }));
        high.subscribe("trace/high", 1);
        MqttClient sensor = new MqttClient("tcp://127.0.0.1:" + f.mqttPort, "trace-sensor",
                new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        org.eclipse.paho.client.mqttv3.MqttConnectOptions o = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        o.setUserName("sensor");
        o.setPassword("sensorpw".toCharArray());
        sensor.connect(o);
        sensor.publish("trace/nobody", "x".getBytes(StandardCharsets.UTF_8), 1, false);
        sensor.publish("trace/low", "x".getBytes(StandardCharsets.UTF_8), 1, false); // denied: sensor may write sensors/# only
        try (MqttClient pub = f.paho("trace-pub", true)) {
            pub.publish("trace/nobody", "x".getBytes(StandardCharsets.UTF_8), 1, false);
            pub.publish("trace/low", "x".getBytes(StandardCharsets.UTF_8), 1, false);
            pub.publish("trace/high", "x".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
            pub.disconnect();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode events = json(f.admin("GET", "/api/v1/traces/" + id, null)).get("eventList");
            List<String> kinds = new ArrayList<>();
            events.forEach(e -> kinds.add(e.get("kind").asText() + " " + e.path("clientId").asText("-") + " "
                    + e.get("topic").asText()));
            assertThat(kinds).contains(
                    "acl_denied trace-sensor trace/low",
                    "no_subscriber trace-pub trace/nobody",
                    "qos_downgraded trace-qos0 trace/low",
                    "delivered trace-qos0 trace/low",
                    "delivered trace-qos1 trace/high",
                    "acknowledged trace-qos1 trace/high");
        });
        assertThat(json(f.admin("GET", "/api/v1/traces", null))).extracting(x -> x.get("id").asText()).contains(id);
        assertThat(f.admin("DELETE", "/api/v1/traces/" + id, null).statusCode()).isEqualTo(200);
        assertThat(f.admin("GET", "/api/v1/traces/" + id, null).statusCode()).isEqualTo(404);
        assertThat(json(f.admin("POST", "/api/v1/traces", "{}")).get("field").asText()).isEqualTo("clientId");
        assertThat(json(f.admin("POST", "/api/v1/traces", "{\"filter\":\"#\",\"maxEvents\":0}")).get("field").asText())
                .isEqualTo("maxEvents");
        for (MqttClient c : List.of(low, high, sensor)) {
            c.disconnect();
            c.close();
        }
    }

    @Test
    void unknownResourcesAndMethodsAreJsonErrors() throws Exception {
        HttpResponse<String> r = f.admin("GET", "/api/v1/nothing", null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).get("error").asText()).isEqualTo("not_found");
        assertThat(json(r).get("message").asText()).contains("/api/v1/nothing");
        assertThat(f.admin("PUT", "/api/v1/broker", "{}").statusCode()).isEqualTo(405);
        assertThat(f.admin("GET", "/api/v1/clients/nobody", null).statusCode()).isEqualTo(404);
    }

    @Test
    void openApiDocumentIsServedAndNamesEveryPath() throws Exception {
        HttpResponse<String> r = f.call("GET", "/api/v1/openapi.json", null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode doc = json(r);
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        assertThat(doc.get("paths").fieldNames()).toIterable().contains("/broker", "/clients", "/clients/{clientId}/kick",
                "/clients/{clientId}/expire", "/subscriptions", "/retained", "/retained/message", "/publish", "/traces");
    }

    @Test
    void browserSessionsNeedTheirCsrfTokenAndBasicPostsMustBeJson() throws Exception {
        HttpResponse<String> login = f.call("POST", "/login", null,
                "{\"username\":\"admin\",\"password\":\"" + ConsoleFixture.ADMIN_PASSWORD + "\"}");
        assertThat(login.statusCode()).isEqualTo(200);
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).containsIgnoringCase("HttpOnly").contains("SameSite=Strict").startsWith("tern_session=");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        String csrf = json(login).get("csrf").asText();
        assertThat(f.call("GET", "/api/v1/broker", null, null, "Cookie", cookie).statusCode()).isEqualTo(200);
        HttpResponse<String> noToken = f.call("POST", "/api/v1/publish", null, "{\"topic\":\"csrf/x\"}", "Cookie", cookie);
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(json(noToken).get("error").asText()).isEqualTo("csrf");
        assertThat(f.call("POST", "/api/v1/publish", null, "{\"topic\":\"csrf/x\"}", "Cookie", cookie,
                "X-CSRF-Token", "forged").statusCode()).isEqualTo(403);
        assertThat(f.call("POST", "/api/v1/publish", null, "{\"topic\":\"csrf/x\"}", "Cookie", cookie,
                "X-CSRF-Token", csrf).statusCode()).isEqualTo(200);
        HttpResponse<String> form = f.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(f.url("/api/v1/publish")))
                .header("Authorization", ConsoleFixture.basic(ConsoleFixture.ADMIN, ConsoleFixture.ADMIN_PASSWORD))
                .header("Content-Type", "text/plain").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"topic\":\"csrf/y\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).as("what a cross-site form could send").isEqualTo(403);

        HttpResponse<String> bad = f.call("POST", "/login", null, "{\"username\":\"admin\",\"password\":\"nope\"}");
        assertThat(bad.statusCode()).isEqualTo(401);
        f.log.await("Console login failed for user 'admin' from 127.0.0.1.");
        assertThat(f.call("POST", "/login", null, "{\"username\":\"bob\",\"password\":\"bobpw\"}").statusCode()).isEqualTo(403);
        assertThat(f.call("POST", "/logout", null, "{}", "Cookie", cookie).statusCode()).isEqualTo(200);
        assertThat(f.call("GET", "/api/v1/broker", null, null, "Cookie", cookie).statusCode()).isEqualTo(401);
    }

    static MqttCallback callback(CountDownLatch lost, BlockingQueue<String> inbox) {
        return new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                if (lost != null) {
                    lost.countDown();
                }
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                if (inbox != null) {
                    inbox.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        };
    }
}
