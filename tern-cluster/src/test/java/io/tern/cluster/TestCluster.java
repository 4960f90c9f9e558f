package io.tern.cluster;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.awaitility.Awaitility.await;

/** Tern brokers in one JVM forming one cluster on loopback, each with an MQTT listener on an ephemeral port. */
final class TestCluster implements AutoCloseable {

    static {
        // a test cluster forms and notices a dead member in seconds (production keeps Hazelcast's defaults)
        System.setProperty("hazelcast.wait.seconds.before.join", "0");
        System.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        System.setProperty("hazelcast.max.no.heartbeat.seconds", "4");
        System.setProperty("hazelcast.partition.count", "31");
        System.setProperty("hazelcast.tcp.join.port.try.count", "1");
        System.setProperty("hazelcast.socket.connect.timeout.seconds", "1");
        System.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        System.setProperty("hazelcast.merge.next.run.delay.seconds", "2");
        System.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
    }

    /** One node: its broker, its cluster extension and its cluster port. */
    record Node(Broker broker, ClusterExtension cluster, int clusterPort, String id) {
        int mqttPort() { return broker.port(); }

        String uri() { return "tcp://127.0.0.1:" + mqttPort(); }

        ClusterNode node() { return cluster.node(); }
    }

    final String name = "test-" + Long.toHexString(System.nanoTime());
    final List<Integer> clusterPorts = new ArrayList<>();
    final List<Node> nodes = new ArrayList<>();

    /** Reserves cluster ports for {@code n} nodes (more may join later with {@link #startNode}). */
    TestCluster(int n) {
        for (int i = 0; i < n; i++) {
            clusterPorts.add(freePort());
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the reserved nodes and waits until every one sees all of them. */
    TestCluster start(Consumer<BrokerConfig> tweak) throws IOException {
        for (int i = 0; i < clusterPorts.size(); i++) {
            startNode(clusterPorts.get(i), "node" + (i + 1), tweak);
        }
        awaitMembers(clusterPorts.size());
        return this;
    }

    Node startNode(int clusterPort, String id, Consumer<BrokerConfig> tweak) throws IOException {
        BrokerConfig config = new BrokerConfig();
        config.addListener(new ListenerConfig(0, "127.0.0.1"));
        config.allowAnonymous(true);
        config.cluster().name(name).port(clusterPort).bindAddress("127.0.0.1").nodeId(id);
        for (int p : clusterPorts) {
            if (p != clusterPort) {
                config.cluster().addMember("127.0.0.1", p);
            }
        }
        tweak.accept(config);
        if (config.persistence()) {
            // each node its own store
            config.persistenceLocation(java.nio.file.Path.of(config.persistenceLocation(), id) + "/");
        }
        ClusterExtension ext = new ClusterExtension();
        Broker b = Broker.builder().config(config).extension(ext).build().start();
        Node n = new Node(b, ext, clusterPort, id);
        nodes.add(n);
        return n;
    }

    Node node(int i) { return nodes.get(i); }

    void awaitMembers(int n) {
        await().until(() -> nodes.stream().filter(x -> x.node() != null).allMatch(x -> x.node().members() == n));
    }

    /** Waits until every running node knows that {@code on} has subscribers for {@code filter}. */
    void awaitRoute(Node on, String filter) {
        await().until(() -> nodes.stream().filter(x -> x.node() != null)
                .allMatch(x -> x.node().knowsRoute(on.id(), filter)));
    }

    void awaitNoRoute(Node on, String filter) {
        await().until(() -> nodes.stream().filter(x -> x.node() != null)
                .noneMatch(x -> x.node().knowsRoute(on.id(), filter)));
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).broker().close();
        }
    }
}
