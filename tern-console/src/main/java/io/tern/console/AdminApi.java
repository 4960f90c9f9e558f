package io.tern.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import io.tern.broker.Broker;
import io.tern.broker.Message;
import io.tern.broker.admin.AdminResult;
import io.tern.broker.admin.ClientInfo;
import io.tern.broker.admin.SubscriptionInfo;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.security.Authorizer;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import io.tern.codec.Topics;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The REST admin API under {@code /api/v1} (documented in {@code openapi.json}). Every answer is JSON; every
 * error is {@code {error, message[, field]}} with 400 (the field that is wrong), 403, 404 or 409.
 */
final class AdminApi {

    static final String PREFIX = "/api/v1";
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    /** A parsed request: who, what, which parameters. */
    record Call(HttpMethod method, String path, Map<String, List<String>> query, JsonNode body, String user,
                Authorizer acl) {

        String param(String name) {
            List<String> v = query.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    /** A successful answer. */
    record Reply(int status, Object body) {
        static Reply ok(Object body) {
            return new Reply(200, body);
        }
    }

    private final Broker broker;
    private final Traces traces;
    private final History history;

    AdminApi(Broker broker, Traces traces, History history) {
        this.broker = broker;
        this.traces = traces;
        this.history = history;
    }

    CompletableFuture<Reply> handle(Call c) {
        String p = c.path().substring(PREFIX.length());
        List<String> seg = segments(p);
        HttpMethod m = c.method();
        String first = seg.isEmpty() ? "" : seg.get(0);
        switch (first) {
            case "broker" -> {
                only(m, seg, 1, HttpMethod.GET);
                return done(brokerInfo());
            }
            case "history" -> {
                only(m, seg, 1, HttpMethod.GET);
                return done(Map.of("intervalSeconds", History.INTERVAL_SECONDS, "samples", history.samples()));
            }
            case "clients" -> {
                return clients(c, seg);
            }
            case "subscriptions" -> {
                only(m, seg, 1, HttpMethod.GET);
                return broker.admin().subscriptions().thenApply(all -> Reply.ok(page(c, filterSubscriptions(c, all))));
            }
            case "retained" -> {
                return retained(c, seg);
            }
            case "publish" -> {
                only(m, seg, 1, HttpMethod.POST);
                return publish(c);
            }
            case "traces" -> {
                return done(traces(c, seg));
            }
            default -> throw ApiException.notFound("no such resource: " + c.path());
        }
    }

    // ---------------------------------------------------------------- broker

    private Map<String, Object> brokerInfo() {
        BrokerConfig cfg = broker.config();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", Broker.version());
        long started = broker.stats().startedAtMillis.get();
        out.put("startedAt", started);
        out.put("uptimeSeconds", (System.currentTimeMillis() - started) / 1000);
        List<Map<String, Object>> ls = new ArrayList<>();
        List<ListenerConfig> listeners = broker.admin().listeners();
        for (ListenerConfig l : listeners) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("port", l.port());
            j.put("address", l.localOnly() ? "loopback" : l.bindAddress() == null ? "*" : l.bindAddress());
            j.put("protocol", l.protocol().configName());
            j.put("tls", l.usesCertificateTls());
            j.put("psk", l.usesPsk());
            ls.add(j);
        }
        out.put("listeners", ls);
        out.put("boundAddresses", broker.boundAddresses().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList());
        out.put("config", ConfigView.of(cfg));
        out.put("sys", broker.admin().sysFigures());
        out.put("sessions", broker.admin().sessionCount());
        out.put("retained", broker.admin().retainedCount());
        out.put("clientsConnected", broker.stats().clientsConnected.get());
        // empty on a single node; a cluster's nodes as this one sees them
        out.put("clusterMembers", broker.clusterMembers().stream().map(m -> {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("nodeId", m.nodeId());
            j.put("address", m.address());
            j.put("local", m.local());
            return j;
        }).toList());
        return out;
    }

    // ---------------------------------------------------------------- clients

    private CompletableFuture<Reply> clients(Call c, List<String> seg) {
        HttpMethod m = c.method();
        if (seg.size() == 1) {
            only(m, seg, 1, HttpMethod.GET);
            Predicate<ClientInfo> f = clientFilter(c);
            return broker.admin().clients().thenApply(all -> Reply.ok(page(c, all.stream().filter(f).toList())));
        }
        String id = seg.get(1);
        if (seg.size() == 2) {
            only(m, seg, 2, HttpMethod.GET);
            return broker.admin().client(id).thenCombine(broker.admin().subscriptions(id), (info, subs) -> {
                ClientInfo i = info.orElseThrow(() -> noClient(id));
                Map<String, Object> out = Json.MAPPER.convertValue(i,
                        new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() { });
                out.put("subscriptionList", subs.orElse(List.of()));
                return Reply.ok(out);
            });
        }
        String action = seg.get(2);
        switch (action) {
            case "kick" -> {
                only(m, seg, 3, HttpMethod.POST);
                return broker.admin().kick(id).thenApply(r -> result(r, id, "disconnected"));
            }
            case "expire" -> {
                only(m, seg, 3, HttpMethod.POST);
                return broker.admin().expire(id).thenApply(r -> result(r, id, "expired"));
            }
            case "subscriptions" -> {
                if (seg.size() != 3) {
                    throw ApiException.notFound("no such resource: " + c.path());
                }
                if (m.equals(HttpMethod.GET)) {
                    return broker.admin().subscriptions(id).thenApply(s -> Reply.ok(s.orElseThrow(() -> noClient(id))));
                }
                if (m.equals(HttpMethod.POST)) {
                    String filter = requiredText(c.body(), "filter");
                    String err = Topics.isShared(filter) ? Topics.sharedFilterError(filter) : Topics.topicFilterError(filter);
                    if (err != null) {
                        throw ApiException.badRequest("filter", err);
                    }
                    int qos = qos(c.body(), 0);
                    return broker.admin().subscribe(id, filter, qos).thenApply(r -> new Reply(201,
                            Map.of("clientId", id, "filter", filter, "qos", qos)));
                }
                if (m.equals(HttpMethod.DELETE)) {
                    String filter = c.param("filter");
                    if (filter == null || filter.isEmpty()) {
                        throw ApiException.badRequest("filter", "missing query parameter");
                    }
                    return broker.admin().unsubscribe(id, filter).thenApply(r -> {
                        if (r == AdminResult.NOT_FOUND) {
                            throw ApiException.notFound("client '" + id + "' has no subscription '" + filter + "'");
                        }
                        return Reply.ok(Map.of("clientId", id, "filter", filter, "result", "removed"));
                    });
                }
                throw methodNotAllowed(m);
            }
            default -> throw ApiException.notFound("no such resource: " + c.path());
        }
    }

    private static Reply result(AdminResult r, String id, String done) {
        return switch (r) {
            case DONE -> Reply.ok(Map.of("clientId", id, "result", done));
            case NOT_FOUND -> throw noClient(id);
            case CONNECTED -> throw ApiException.conflict("client '" + id + "' is connected; kick it first");
            case NOT_CONNECTED -> throw ApiException.conflict("client '" + id + "' is not connected");
        };
    }

    private static ApiException noClient(String id) {
        return ApiException.notFound("no session with client id '" + id + "'");
    }

    private static Predicate<ClientInfo> clientFilter(Call c) {
        String id = c.param("clientId");
        String user = c.param("username");
        String address = c.param("address");
        String version = c.param("protocolVersion");
        String listener = c.param("listener");
        String connected = c.param("connected");
        if (version != null && !List.of("3.1", "3.1.1", "5.0").contains(version)) {
            throw ApiException.badRequest("protocolVersion", "'" + version + "' is not one of 3.1, 3.1.1, 5.0");
        }
        Integer port = listener == null ? null : intParam("listener", listener, 0, 65535);
        Boolean online = connected == null ? null : boolParam("connected", connected);
        return i -> (id == null || i.clientId().contains(id))
                && (user == null || user.equals(i.username()))
                && (address == null || (i.address() != null && i.address().contains(address)))
                && (version == null || version.equals(i.protocolVersion()))
                && (port == null || port.equals(i.listenerPort()))
                && (online == null || online == i.connected());
    }

    private static List<SubscriptionInfo> filterSubscriptions(Call c, List<SubscriptionInfo> all) {
        String filter = c.param("filter");
        String topic = c.param("topic");
        String id = c.param("clientId");
        if (topic != null && Topics.topicNameError(topic) != null) {
            throw ApiException.badRequest("topic", Topics.topicNameError(topic));
        }
        return all.stream().filter(s -> (filter == null || filter.equals(s.filter()))
                && (id == null || id.equals(s.clientId()))
                && (topic == null || io.tern.broker.TopicLevels.matches(
                        Topics.isShared(s.filter()) ? Topics.sharedTopicFilter(s.filter()) : s.filter(), topic)))
                .toList();
    }

    // ---------------------------------------------------------------- retained

    private CompletableFuture<Reply> retained(Call c, List<String> seg) {
        HttpMethod m = c.method();
        if (seg.size() == 1) {
            String filter = c.param("filter") == null ? "#" : c.param("filter");
            String err = Topics.topicFilterError(filter);
            if (err != null) {
                throw ApiException.badRequest("filter", err);
            }
            if (m.equals(HttpMethod.GET)) {
                String search = c.param("search");
                List<Map<String, Object>> items = new ArrayList<>();
                for (Message msg : broker.admin().retained(filter)) {
                    if (search != null && !msg.topic().contains(search)) {
                        continue;
                    }
                    if (c.acl().canRead(ConsoleAccess.CLIENT_ID, c.user(), msg.topic())) {
                        items.add(Json.message(msg, 256));
                    }
                }
                return done(page(c, items));
            }
            if (m.equals(HttpMethod.DELETE)) {
                if (c.param("filter") == null) {
                    throw ApiException.badRequest("filter", "missing query parameter (use # to delete every one)");
                }
                return done(Map.of("filter", filter, "deleted", broker.admin().deleteRetainedMatching(filter)));
            }
            throw methodNotAllowed(m);
        }
        if (seg.size() == 2 && seg.get(1).equals("message")) {
            String topic = c.param("topic");
            if (topic == null) {
                throw ApiException.badRequest("topic", "missing query parameter");
            }
            String err = Topics.topicNameError(topic);
            if (err != null) {
                throw ApiException.badRequest("topic", err);
            }
            if (m.equals(HttpMethod.GET)) {
                Message msg = broker.admin().retainedMessage(topic)
                        .filter(x -> c.acl().canRead(ConsoleAccess.CLIENT_ID, c.user(), x.topic()))
                        .orElseThrow(() -> ApiException.notFound("no retained message on '" + topic + "'"));
                return done(Json.message(msg, Integer.MAX_VALUE));
            }
            if (m.equals(HttpMethod.DELETE)) {
                if (!broker.admin().deleteRetained(topic)) {
                    throw ApiException.notFound("no retained message on '" + topic + "'");
                }
                return done(Map.of("topic", topic, "result", "deleted"));
            }
            throw methodNotAllowed(m);
        }
        throw ApiException.notFound("no such resource: " + c.path());
    }

    // ---------------------------------------------------------------- publish

    private CompletableFuture<Reply> publish(Call c) {
        JsonNode b = c.body();
        String topic = requiredText(b, "topic");
        String err = Topics.topicNameError(topic);
        if (err != null) {
            throw ApiException.badRequest("topic", err);
        }
        byte[] payload;
        if (b.hasNonNull("payloadBase64")) {
            try {
                payload = Base64.getDecoder().decode(b.get("payloadBase64").asText());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("payloadBase64", "not base64: " + e.getMessage());
            }
        } else if (b.hasNonNull("payload")) {
            if (!b.get("payload").isTextual()) {
                throw ApiException.badRequest("payload", "must be a string (or use payloadBase64)");
            }
            payload = b.get("payload").asText().getBytes(StandardCharsets.UTF_8);
        } else {
            payload = new byte[0];
        }
        int qos = qos(b, 0);
        boolean retain = false;
        if (b.has("retain")) {
            if (!b.get("retain").isBoolean()) {
                throw ApiException.badRequest("retain", "must be true or false");
            }
            retain = b.get("retain").asBoolean();
        }
        Properties props = properties(b.get("properties"));
        if (!c.acl().canPublish(ConsoleAccess.CLIENT_ID, c.user(), topic)) {
            throw ApiException.forbidden("the ACL does not let '" + c.user() + "' publish to '" + topic + "'");
        }
        long now = System.nanoTime();
        long expiry = props.has(PropertyId.MESSAGE_EXPIRY_INTERVAL)
                ? now + props.longValue(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0) * 1_000_000_000L : Long.MAX_VALUE;
        Message msg = new Message(topic, payload, qos, retain, props, null, now, expiry);
        int size = payload.length;
        boolean r = retain;
        return broker.admin().publish(msg).thenApply(v -> Reply.ok(Map.of("topic", topic, "qos", qos, "retain", r,
                "size", size, "result", "published")));
    }

    private static Properties properties(JsonNode p) {
        if (p == null || p.isNull()) {
            return Properties.EMPTY;
        }
        if (!p.isObject()) {
            throw ApiException.badRequest("properties", "must be an object");
        }
        Properties.Builder b = Properties.builder();
        for (Map.Entry<String, JsonNode> e : p.properties()) {
            String k = e.getKey();
            JsonNode v = e.getValue();
            String f = "properties." + k;
            switch (k) {
                case "contentType" -> b.put(PropertyId.CONTENT_TYPE, text(v, f));
                case "responseTopic" -> {
                    String t = text(v, f);
                    if (Topics.topicNameError(t) != null) {
                        throw ApiException.badRequest(f, Topics.topicNameError(t));
                    }
                    b.put(PropertyId.RESPONSE_TOPIC, t);
                }
                case "correlationData" -> {
                    try {
                        b.put(PropertyId.CORRELATION_DATA, Base64.getDecoder().decode(text(v, f)));
                    } catch (IllegalArgumentException x) {
                        throw ApiException.badRequest(f, "not base64");
                    }
                }
                case "messageExpiryInterval" -> {
                    if (!v.canConvertToLong() || v.asLong() < 0 || v.asLong() > 0xFFFFFFFFL) {
                        throw ApiException.badRequest(f, "must be seconds, 0 to 4294967295");
                    }
                    b.put(PropertyId.MESSAGE_EXPIRY_INTERVAL, v.asLong());
                }
                case "payloadFormatIndicator" -> {
                    if (!v.canConvertToInt() || (v.asInt() != 0 && v.asInt() != 1)) {
                        throw ApiException.badRequest(f, "must be 0 or 1");
                    }
                    b.put(PropertyId.PAYLOAD_FORMAT_INDICATOR, v.asInt());
                }
                case "userProperties" -> {
                    if (!v.isObject()) {
                        throw ApiException.badRequest(f, "must be an object of name: value strings");
                    }
                    for (Map.Entry<String, JsonNode> pe : v.properties()) {
                        b.userProperty(pe.getKey(), text(pe.getValue(), f + "." + pe.getKey()));
                    }
                }
                default -> throw ApiException.badRequest(f, "unknown property (contentType, responseTopic, "
                        + "correlationData, messageExpiryInterval, payloadFormatIndicator, userProperties)");
            }
        }
        return b.build();
    }

    // ---------------------------------------------------------------- traces

    private Reply traces(Call c, List<String> seg) {
        HttpMethod m = c.method();
        if (seg.size() == 1) {
            if (m.equals(HttpMethod.GET)) {
                return Reply.ok(traces.list().stream().map(Traces.Trace::summary).toList());
            }
            if (m.equals(HttpMethod.POST)) {
                JsonNode b = c.body();
                String clientId = b.hasNonNull("clientId") ? text(b.get("clientId"), "clientId") : null;
                String filter = b.hasNonNull("filter") ? text(b.get("filter"), "filter") : null;
                if (clientId == null && filter == null) {
                    throw ApiException.badRequest("clientId", "give a clientId, a filter or both");
                }
                if (filter != null && Topics.topicFilterError(filter) != null) {
                    throw ApiException.badRequest("filter", Topics.topicFilterError(filter));
                }
                int max = intField(b, "maxEvents", 1000, 1, Traces.MAX_EVENTS);
                int seconds = intField(b, "durationSeconds", 600, 1, Traces.MAX_SECONDS);
                return new Reply(201, traces.start(clientId, filter, max, seconds).summary());
            }
            throw methodNotAllowed(m);
        }
        if (seg.size() == 2) {
            String id = seg.get(1);
            if (m.equals(HttpMethod.GET)) {
                Traces.Trace t = traces.get(id);
                if (t == null) {
                    throw ApiException.notFound("no trace " + id);
                }
                Map<String, Object> out = t.summary();
                out.put("eventList", new ArrayList<>(t.events));
                return Reply.ok(out);
            }
            if (m.equals(HttpMethod.DELETE)) {
                if (!traces.delete(id)) {
                    throw ApiException.notFound("no trace " + id);
                }
                return Reply.ok(Map.of("id", id, "result", "deleted"));
            }
            throw methodNotAllowed(m);
        }
        throw ApiException.notFound("no such resource: " + c.path());
    }

    // ---------------------------------------------------------------- helpers

    private static CompletableFuture<Reply> done(Object body) {
        return CompletableFuture.completedFuture(body instanceof Reply r ? r : Reply.ok(body));
    }

    private static List<String> segments(String p) {
        List<String> out = new ArrayList<>();
        for (String s : p.split("/")) {
            if (!s.isEmpty()) {
                out.add(java.net.URLDecoder.decode(s, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void only(HttpMethod m, List<String> seg, int size, HttpMethod allowed) {
        if (seg.size() != size) {
            throw ApiException.notFound("no such resource");
        }
        if (!m.equals(allowed)) {
            throw methodNotAllowed(m);
        }
    }

    private static ApiException methodNotAllowed(HttpMethod m) {
        return new ApiException(405, "method_not_allowed", m + " is not allowed here", null);
    }

    /** {@code {total, offset, limit, items}} with {@code offset} and {@code limit} query parameters. */
    static Map<String, Object> page(Call c, List<?> all) {
        int offset = c.param("offset") == null ? 0 : intParam("offset", c.param("offset"), 0, Integer.MAX_VALUE);
        int limit = c.param("limit") == null ? DEFAULT_LIMIT : intParam("limit", c.param("limit"), 1, MAX_LIMIT);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", all.size());
        out.put("offset", offset);
        out.put("limit", limit);
        out.put("items", offset >= all.size() ? List.of() : all.subList(offset, Math.min(all.size(), offset + limit)));
        return out;
    }

    private static int intParam(String name, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw ApiException.badRequest(name, v + " is out of range (" + min + " to " + max + ")");
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name, "'" + v + "' is not a number");
        }
    }

    private static boolean boolParam(String name, String v) {
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.badRequest(name, "'" + v + "' is not true or false");
        };
    }

    private static int intField(JsonNode b, String name, int dflt, int min, int max) {
        if (!b.hasNonNull(name)) {
            return dflt;
        }
        JsonNode v = b.get(name);
        if (!v.isInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiException.badRequest(name, "must be a whole number from " + min + " to " + max);
        }
        return v.asInt();
    }

    private static int qos(JsonNode b, int dflt) {
        if (!b.has("qos")) {
            return dflt;
        }
        JsonNode v = b.get("qos");
        if (!v.isInt() || v.asInt() < 0 || v.asInt() > 2) {
            throw ApiException.badRequest("qos", "must be 0, 1 or 2");
        }
        return v.asInt();
    }

    private static String requiredText(JsonNode b, String name) {
        if (!b.hasNonNull(name)) {
            throw ApiException.badRequest(name, "missing");
        }
        return text(b.get(name), name);
    }

    private static String text(JsonNode v, String name) {
        if (!v.isTextual()) {
            throw ApiException.badRequest(name, "must be a string");
        }
        return v.asText();
    }
}
