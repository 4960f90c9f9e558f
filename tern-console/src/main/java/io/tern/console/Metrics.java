package io.tern.console;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tern.broker.Broker;
import io.tern.broker.BrokerStats;
import io.tern.broker.Message;
import io.tern.broker.admin.ClientInfo;
import io.tern.broker.extension.MessageObserver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * {@code /metrics}: the broker's figures in Prometheus text format, with prometheus-metrics' registry and
 * writer and its JVM metrics. Message counts by QoS and drop reason come from the broker's
 * {@link MessageObserver} events (counted here in LongAdders, so the message path never touches a label map);
 * everything else is read from {@link BrokerStats} and the admin views at scrape time.
 */
final class Metrics implements MessageObserver {

    private final Broker broker;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private final LongAdder[] receivedByQos = adders(3);
    private final LongAdder[] receivedBytesByQos = adders(3);
    private final LongAdder[] sentByQos = adders(3);
    private final LongAdder[] sentBytesByQos = adders(3);
    private final LongAdder[] droppedByReason = adders(Drop.values().length);
    private final LongAdder expired = new LongAdder();
    private final LongAdder publishDenied = new LongAdder();
    private final LongAdder unrouted = new LongAdder();
    private final LongAdder acknowledged = new LongAdder();
    private final String[] prefixes;
    private final LongAdder[] prefixMessages;
    private final LongAdder[] prefixBytes;
    private final LongAdder[] prefixDelivered;

    /** The session figures of the scrape in progress (computed on the sessions' loops before scraping). */
    private volatile List<ClientInfo> clients = List.of();
    /** The store's sync latency measured for the scrape in progress, nanoseconds (-1: no persistence). */
    private volatile long storeSyncNanos = -1;

    Metrics(Broker broker) {
        this.broker = broker;
        List<String> p = broker.config().http().metricsTopicPrefixes();
        this.prefixes = p.toArray(String[]::new);
        this.prefixMessages = adders(prefixes.length);
        this.prefixBytes = adders(prefixes.length);
        this.prefixDelivered = adders(prefixes.length);
        register();
        JvmMetrics.builder().register(registry);
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** Connections accepted by listener port, transport and protocol version (a handful of keys). */
    private final java.util.concurrent.ConcurrentHashMap<List<String>, LongAdder> connectionsBy =
            new java.util.concurrent.ConcurrentHashMap<>();

    // ---------------------------------------------------------------- events (message path)

    @Override
    public void connected(String clientId, io.tern.broker.config.ListenerConfig listener, String version) {
        connectionsBy.computeIfAbsent(List.of(String.valueOf(listener.port()), listener.protocol().configName(), version),
                k -> new LongAdder()).increment();
    }

    @Override
    public void received(String clientId, String topic, int qos, int bytes) {
        receivedByQos[qos].increment();
        receivedBytesByQos[qos].add(bytes);
    }

    @Override
    public void publishDenied(String clientId, String username, String topic, int qos) {
        publishDenied.increment();
    }

    @Override
    public void routed(Message message, int sessions) {
        if (sessions == 0 && !message.topic().startsWith("$SYS/")) {
            unrouted.increment(); // the broker's own $SYS figures need no subscriber
        }
        int i = prefix(message.topic());
        if (i >= 0) {
            prefixMessages[i].increment();
            prefixBytes[i].add(message.payload().length);
        }
    }

    @Override
    public void dropped(String clientId, Message message, Drop reason) {
        droppedByReason[reason.ordinal()].increment();
    }

    @Override
    public void expired(String clientId, Message message) {
        expired.increment();
    }

    @Override
    public void delivered(String clientId, Message message, int qos) {
        sentByQos[qos].increment();
        sentBytesByQos[qos].add(message.payload().length);
        int i = prefix(message.topic());
        if (i >= 0) {
            prefixDelivered[i].increment();
        }
    }

    @Override
    public void acknowledged(String clientId, Message message, int qos) {
        acknowledged.increment();
    }

    /** The first configured prefix {@code topic} starts with, or -1; a few string compares, no allocation. */
    private int prefix(String topic) {
        String[] p = prefixes;
        for (int i = 0; i < p.length; i++) {
            if (topic.startsWith(p[i])) {
                return i;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- scrape

    /** The exposition text; the session figures are gathered first, off this thread's loop. */
    CompletableFuture<byte[]> scrape() {
        return broker.admin().clients().thenCombine(broker.admin().storeSyncNanos(), (list, sync) -> {
            clients = list;
            storeSyncNanos = sync;
            ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
            try {
                writer.write(out, registry.scrape());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return out.toByteArray();
        });
    }

    String contentType() {
        return writer.getContentType();
    }

    private static final String[] QOS = {"0", "1", "2"};
    private static final String VERSION = Broker.version();

    private void register() {
        BrokerStats s = broker.stats();
        gauge("tern_info", "Tern version (value 1)", new String[] {"version"},
                cb -> cb.call(1, VERSION));
        gauge("tern_uptime_seconds", "Seconds since the broker started", null,
                cb -> cb.call((System.currentTimeMillis() - s.startedAtMillis.get()) / 1000.0));
        gauge("tern_clients_connected", "Clients connected now", null, cb -> cb.call(s.clientsConnected.get()));
        gauge("tern_clients_connected_by_listener", "Clients connected now by listener port, transport and protocol version",
                new String[] {"listener", "transport", "protocol_version"}, cb -> {
                    Map<List<String>, Integer> n = new HashMap<>();
                    for (ClientInfo c : clients) {
                        if (c.connected()) {
                            n.merge(List.of(String.valueOf(c.listenerPort()), String.valueOf(c.listenerProtocol()),
                                    c.protocolVersion()), 1, Integer::sum);
                        }
                    }
                    n.forEach((k, v) -> cb.call(v, k.get(0), k.get(1), k.get(2)));
                });
        gauge("tern_clients_connected_maximum", "Most clients connected at once", null, cb -> cb.call(s.clientsMaximum.get()));
        counter("tern_connections", "Client connections accepted (CONNACK 0)", null, cb -> cb.call(s.connections.sum()));
        counter("tern_connections_by_listener", "Client connections accepted by listener port, transport and "
                + "protocol version", new String[] {"listener", "transport", "protocol_version"},
                cb -> connectionsBy.forEach((k, v) -> cb.call(v.sum(), k.get(0), k.get(1), k.get(2))));
        counter("tern_sockets", "Network connections opened", null, cb -> cb.call(s.sockets.sum()));
        counter("tern_messages_received", "PUBLISH packets received from clients, by QoS", new String[] {"qos"},
                cb -> perQos(cb::call, receivedByQos));
        counter("tern_messages_sent", "PUBLISH packets sent to clients, by QoS", new String[] {"qos"},
                cb -> perQos(cb::call, sentByQos));
        counter("tern_publish_received_bytes", "Payload bytes received in PUBLISH packets, by QoS",
                new String[] {"qos"}, cb -> perQos(cb::call, receivedBytesByQos));
        counter("tern_publish_sent_bytes", "Payload bytes sent in PUBLISH packets, by QoS", new String[] {"qos"},
                cb -> perQos(cb::call, sentBytesByQos));
        counter("tern_received_bytes", "Bytes received on all connections", null, cb -> cb.call(s.bytesReceived.sum()));
        counter("tern_sent_bytes", "Bytes sent on all connections", null, cb -> cb.call(s.bytesSent.sum()));
        counter("tern_packets_received", "MQTT packets received", null, cb -> cb.call(s.messagesReceived.sum()));
        counter("tern_packets_sent", "MQTT packets sent", null, cb -> cb.call(s.messagesSent.sum()));
        counter("tern_messages_dropped", "Messages not delivered to a subscriber, by reason", new String[] {"reason"},
                cb -> {
                    for (Drop d : Drop.values()) {
                        cb.call(droppedByReason[d.ordinal()].sum(), d.name().toLowerCase(java.util.Locale.ROOT));
                    }
                    cb.call(expired.sum(), "expired");
                    cb.call(publishDenied.sum(), "publish_denied");
                });
        counter("tern_messages_unrouted", "Messages published that no subscriber matched ($SYS not counted)", null,
                cb -> cb.call(unrouted.sum()));
        counter("tern_messages_acknowledged", "QoS 1/2 deliveries acknowledged by subscribers", null,
                cb -> cb.call(acknowledged.sum()));
        counter("tern_sessions_expired", "Sessions ended by expiry", null, cb -> cb.call(s.clientsExpired.sum()));
        gauge("tern_retained_messages", "Retained messages held", null, cb -> cb.call(broker.admin().retainedCount()));
        gauge("tern_sessions", "Sessions by state", new String[] {"state"}, cb -> {
            long online = clients.stream().filter(ClientInfo::connected).count();
            cb.call(online, "online");
            cb.call(clients.size() - online, "offline");
        });
        gauge("tern_subscriptions", "Subscriptions held by all sessions", null,
                cb -> cb.call(clients.stream().mapToLong(ClientInfo::subscriptions).sum()));
        gauge("tern_queued_messages", "Messages queued for sessions", null,
                cb -> cb.call(clients.stream().mapToLong(ClientInfo::queued).sum()));
        gauge("tern_inflight_messages", "QoS 1/2 messages sent and not yet acknowledged", null,
                cb -> cb.call(clients.stream().mapToLong(ClientInfo::inflight).sum()));
        if (broker.config().persistence()) {
            Path dir = broker.config().persistencePath();
            gauge("tern_store_size_bytes", "Size of the persistence store on disk", null,
                    cb -> cb.call(sizeOf(dir)));
            gauge("tern_store_sync_latency_seconds", "Time the store took to make writes durable, measured at scrape "
                    + "(one persistence_sync)", null, cb -> cb.call(storeSyncNanos / 1e9));
        }
        if (prefixes.length > 0) {
            String[] label = {"prefix"};
            counter("tern_topic_messages_received", "Messages published under each metrics_topic_prefixes prefix",
                    label, cb -> perPrefix(cb::call, prefixMessages));
            counter("tern_topic_received_bytes", "Payload bytes published under each metrics_topic_prefixes prefix",
                    label, cb -> perPrefix(cb::call, prefixBytes));
            counter("tern_topic_messages_sent", "Deliveries of messages under each metrics_topic_prefixes prefix",
                    label, cb -> perPrefix(cb::call, prefixDelivered));
        }
    }

    private interface Sink {
        void call(double value, String... labels);
    }

    private static void perQos(Sink cb, LongAdder[] a) {
        for (int q = 0; q < 3; q++) {
            cb.call(a[q].sum(), QOS[q]);
        }
    }

    private void perPrefix(Sink cb, LongAdder[] a) {
        for (int i = 0; i < prefixes.length; i++) {
            cb.call(a[i].sum(), prefixes[i]);
        }
    }

    private void counter(String name, String help, String[] labels,
                         java.util.function.Consumer<CounterWithCallback.Callback> cb) {
        CounterWithCallback.Builder b = CounterWithCallback.builder().name(name).help(help).callback(cb);
        if (labels != null) {
            b.labelNames(labels);
        }
        b.register(registry);
    }

    private void gauge(String name, String help, String[] labels,
                       java.util.function.Consumer<GaugeWithCallback.Callback> cb) {
        GaugeWithCallback.Builder b = GaugeWithCallback.builder().name(name).help(help).callback(cb);
        if (labels != null) {
            b.labelNames(labels);
        }
        b.register(registry);
    }

    private static long sizeOf(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }
}
