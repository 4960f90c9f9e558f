package io.tern.bridge;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.tern.broker.Broker;
import io.tern.broker.Log;
import io.tern.broker.config.BridgeConfig;
import io.tern.client.ConnectResult;
import io.tern.client.ConnectionListener;
import io.tern.client.ConnectionRefusedException;
import io.tern.client.MessageHandler;
import io.tern.client.MqttClient;
import io.tern.client.MqttMessage;
import io.tern.client.SessionState;
import io.tern.client.TopicFilter;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * One {@code connection} section at work: the remote side (a tern-client {@link MqttClient} per connection
 * attempt) and the local side ({@link LocalSide}), with Mosquitto's life cycle from src/bridge.c: attempts
 * rotate through {@code addresses} (back to the first after a loss or failure), wait {@code restart_timeout}
 * between attempts, return to the primary address when it answers again (unless {@code round_robin}),
 * start at once ({@code automatic}, {@code once}: never again after a loss) or when {@code threshold}
 * messages wait ({@code lazy}, which also stops after {@code idle_timeout} without traffic), and publish the
 * bridge's state ({@code 1}/{@code 0}, retained) locally and, as the remote will, remotely.
 *
 * <p>All state lives on one event loop, shared with the client and the local connection.
 */
final class Bridge implements LocalSide.Forwarder {

    /** How often a failed-over bridge checks whether its primary address answers again (Mosquitto: 5 s). */
    private static final long PRIMARY_RETRY_SECONDS = 5;

    private final Broker broker;
    private final BridgeConfig cfg;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final LocalSide local;
    private final Backoff backoff;
    /**
     * The remote session, kept across connection attempts as Mosquitto's bridge keeps it: packet ids go on,
     * in-flight messages go again with their ids (a QoS 2 one the remote PUBREC'd only as PUBREL), incoming QoS 2
     * ids are remembered until PUBREL.
     */
    private final SessionState remoteSession = new SessionState();
    private boolean discarding;
    private MqttVersion version;
    private boolean tryPrivateAccepted = true;

    private MqttClient remote;
    private boolean up;
    private boolean connecting;
    private int generation;
    private int address;
    private boolean stopped;
    private boolean lazyWanted;
    private long lastTrafficNanos = System.nanoTime();
    private ScheduledFuture<?> retry;
    private ScheduledFuture<?> ticker;

    Bridge(Broker broker, BridgeConfig cfg, EventLoopGroup group) {
        this.broker = broker;
        this.cfg = cfg;
        this.group = group;
        this.loop = group.next();
        this.local = new LocalSide(broker, cfg, loop, this);
        this.backoff = new Backoff(cfg);
        this.version = RemoteClients.version(cfg.protocolVersion());
        if (!cfg.cleanSession()) {
            // the remote's PUBREL goes on to this broker under the same id, its PUBCOMP waits for this broker's
            remoteSession.releasesTo(id -> onLoop(() -> local.release(id)));
        }
        // forwarded deliveries keep the local session's packet ids; the SUBSCRIBEs (and notifications) to the
        // remote take theirs from the same numbering, as Mosquitto's bridge context does
        remoteSession.packetIdsFrom(local::takePacketId);
    }

    void start() {
        loop.execute(() -> {
            local.open();
            if (cfg.notifications()) {
                notifyLocal('0');
            }
            if (cfg.startType() != BridgeConfig.StartType.LAZY) {
                connect();
            }
            ticker = loop.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        });
    }

    /** Stops the bridge: the remote connection is dropped (its will tells the remote side), the local one too. */
    void stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            stopped = true;
            cancel(retry);
            cancel(ticker);
            finishStop(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_DRAIN_MILLIS), done);
        });
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // stopping anyway
        }
    }

    /**
     * A connected bridge that stops waits this long for the acknowledgements of what is in flight to the remote,
     * so a message the remote has is not sent again after a restart (as a duplicate at QoS 1).
     */
    private static final long STOP_DRAIN_MILLIS = 1000;

    private void finishStop(long deadline, CompletableFuture<Void> done) {
        if (up && remote != null && remoteSession.inflightCount() > 0 && System.nanoTime() < deadline) {
            loop.schedule(() -> finishStop(deadline, done), 10, TimeUnit.MILLISECONDS);
            return;
        }
        MqttClient r = remote;
        remote = null;
        up = false;
        if (r != null) {
            r.close(); // on the loop: closes the socket without DISCONNECT, so the remote sends our will
        }
        local.stop();
        done.complete(null);
    }

    String name() {
        return cfg.name();
    }

    // ---------------------------------------------------------------- connection attempts

    private void connect() {
        if (stopped || connecting || remote != null) {
            return;
        }
        connecting = true;
        // Mosquitto's bridge__connect: a clean local session forgets what waits for the remote, a clean remote
        // session what came in from it (db__messages_delete)
        if (cfg.localCleanSession()) {
            local.discardHeld();
            discarding = true;
            remoteSession.discardOutgoing();
            discarding = false;
        }
        if (cfg.cleanSession()) {
            remoteSession.discardIncoming();
        }
        BridgeConfig.Address a = cfg.addresses().get(address);
        Log.NOTICE.info("Connecting bridge {} ({}:{})", cfg.name(), a.host(), a.port());
        int gen = ++generation;
        MqttClient client;
        MqttClient[] self = new MqttClient[1];
        MessageHandler inbound = m -> inbound(self[0], m);
        try {
            client = RemoteClients.build(broker.config(), cfg, a, version,
                    cfg.tryPrivate() && tryPrivateAccepted, group, inbound, new ConnectionListener() {
                        @Override
                        public void connectionLost(Throwable cause) {
                            lost(gen, cause);
                        }
                    }, remoteSession);
        } catch (RuntimeException e) {
            connecting = false;
            Log.ERROR.error("Error creating bridge: {}.", e.getMessage());
            failed();
            return;
        }
        self[0] = client;
        remote = client;
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Bridge {} sending CONNECT", cfg.remoteClientId());
        }
        client.connect().whenComplete((result, error) -> onLoop(() -> {
            if (gen != generation || stopped) {
                return;
            }
            connecting = false;
            if (error != null) {
                refused(unwrap(error));
                client.close();
                remote = null;
                failed();
            } else {
                connected(client, result, inbound);
            }
        }));
    }

    private void connected(MqttClient client, ConnectResult result, MessageHandler inbound) {
        if (Log.DEBUG.isDebugEnabled()) {
            Log.DEBUG.debug("Received CONNACK on connection {}.", cfg.localClientId());
        }
        up = true;
        lazyWanted = false;
        if (!cfg.cleanSession()) {
            local.remoteConnected(result.sessionPresent());
        }
        lastTrafficNanos = System.nanoTime();
        backoff.reset();
        if (cfg.notifications()) {
            if (!cfg.notificationsLocalOnly()) {
                // retained unless bridge_outgoing_retain false, as Mosquitto's retain_available
                client.publish(cfg.notificationTopic(), "1".getBytes(StandardCharsets.US_ASCII), 1,
                        cfg.outgoingRetain());
            }
            notifyLocal('1');
        }
        for (BridgeConfig.Topic t : cfg.topics()) {
            if (t.direction().in()) {
                client.subscribe(List.of(RemoteClients.subscription(t.remoteTopic(), t.qos(), version)),
                        Properties.EMPTY, inbound);
            } else if (cfg.attemptUnsubscribe()) {
                // out only: a subscription an earlier configuration made would bring messages back
                client.unsubscribe(t.remoteTopic());
            }
        }
        local.subscribe(true);
        local.remoteUp();
    }

    private void refused(Throwable cause) {
        if (cause instanceof ConnectionRefusedException r) {
            String text = r.getMessage().endsWith(".") ? r.getMessage().substring(0, r.getMessage().length() - 1)
                    : r.getMessage();
            if (r.version() == MqttVersion.MQTT_5 && r.reasonCode() == 0x84) {
                Log.NOTICE.info("Warning: Remote bridge {} does not support MQTT v5.0, reconnecting using MQTT v3.1.1.",
                        cfg.name());
                version = MqttVersion.MQTT_3_1_1;
                return;
            }
            if (r.version() != MqttVersion.MQTT_5 && r.reasonCode() == 1) {
                // a broker that does not know the bridge bit: try again without it, as Mosquitto does
                tryPrivateAccepted = false;
            }
            Log.ERROR.error("{}", text);
        } else if (cause instanceof ConnectException || (cause != null && cause.getCause() instanceof ConnectException)) {
            Log.ERROR.error("Error creating bridge: Connection refused.");
        } else {
            Log.ERROR.error("Error creating bridge: {}.", cause == null ? "unknown error" : cause.getMessage());
        }
    }

    /** An attempt failed: the next address, after the restart timeout. */
    private void failed() {
        nextAddress();
        if (cfg.startType() != BridgeConfig.StartType.ONCE) {
            scheduleRetry(); // Mosquitto never restarts a "once" bridge
        }
    }

    private void lost(int gen, Throwable cause) {
        if (gen != generation || stopped) {
            return;
        }
        Log.NOTICE.info("Bridge {} lost its connection: {}.", cfg.name(), cause == null ? "closed" : cause.getMessage());
        dropRemote();
        if (cfg.startType() == BridgeConfig.StartType.ONCE) {
            return;
        }
        nextAddress();
        if (cfg.startType() != BridgeConfig.StartType.LAZY) {
            scheduleRetry(); // a lazy bridge waits for its threshold again
        }
    }

    private void dropRemote() {
        boolean wasUp = up;
        up = false;
        connecting = false;
        MqttClient r = remote;
        remote = null;
        generation++;
        if (r != null) {
            r.close();
        }
        local.remoteDown();
        if (wasUp && cfg.notifications()) {
            notifyLocal('0'); // Mosquitto publishes the bridge's will locally as well
        }
    }

    private void nextAddress() {
        address = (address + 1) % cfg.addresses().size();
    }

    private void scheduleRetry() {
        if (stopped) {
            return;
        }
        cancel(retry);
        retry = loop.schedule(this::connect, backoff.nextMillis(), TimeUnit.MILLISECONDS);
    }

    /** Once a second: lazy idle timeout, and the way back to the primary address. */
    private void tick() {
        if (stopped) {
            return;
        }
        if (up && cfg.startType() == BridgeConfig.StartType.LAZY
                && System.nanoTime() - lastTrafficNanos >= TimeUnit.SECONDS.toNanos(cfg.idleTimeout())) {
            Log.NOTICE.info("Bridge connection {} has exceeded idle timeout, disconnecting.", cfg.localClientId());
            dropRemote();
            return;
        }
        if (up && !cfg.roundRobin() && address != 0 && ++tickCount % PRIMARY_RETRY_SECONDS == 0) {
            probePrimary();
        }
    }

    private long tickCount;

    /** Mosquitto tries a TCP connect to the first address; when it answers the bridge goes back to it. */
    private void probePrimary() {
        BridgeConfig.Address primary = cfg.addresses().get(0);
        int gen = generation;
        // a blocking connect of its own, off the loop; Mosquitto's probe is a non-blocking connect
        Thread t = new Thread(() -> {
            boolean answers;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(primary.host(), primary.port()), 2000);
                answers = true;
            } catch (Exception e) {
                answers = false;
            }
            boolean back = answers;
            loop.execute(() -> {
                if (back && gen == generation && up && address != 0 && !stopped) {
                    Log.NOTICE.info("Bridge {}: primary address {} answers again, reconnecting to it.", cfg.name(),
                            primary);
                    dropRemote();
                    address = 0;
                    connect();
                }
            });
        }, "tern-bridge-probe");
        t.setDaemon(true);
        t.start();
    }

    // ---------------------------------------------------------------- messages

    /** A message from the remote broker: remapped by the first matching in topic and published locally. */
    private void inbound(MqttClient from, MqttMessage m) {
        lastTrafficNanos = System.nanoTime();
        String topic = m.topic();
        for (BridgeConfig.Topic t : cfg.topics()) {
            if (t.direction().in() && TopicFilter.matches(t.remoteTopic(), topic)) {
                topic = t.toLocal(topic);
                break;
            }
        }
        // the remote gets its PUBACK / PUBREC only once this broker has the message (stored, with persistence),
        // over the connection of the moment (the session goes on across connections)
        local.publish(topic, m.qos(), m.retain(), m.payload(), m.properties(), m.packetId(), () -> {
            MqttClient now = remote;
            (now != null ? now : from).acknowledge(m);
        });
    }

    @Override
    public void completed(int packetId) {
        MqttClient r = remote;
        if (up && r != null) {
            r.completeRelease(packetId);
        }
    }

    @Override
    public boolean remoteUp() {
        return up;
    }

    @Override
    public boolean forward(Packet.Publish p, java.util.function.Consumer<Throwable> done) {
        MqttClient r = remote;
        if (!up || r == null) {
            return false;
        }
        lastTrafficNanos = System.nanoTime();
        String topic = p.topic();
        for (BridgeConfig.Topic t : cfg.topics()) {
            if (t.direction().out() && TopicFilter.matches(t.localTopic(), topic)) {
                topic = t.toRemote(topic);
                break;
            }
        }
        MqttMessage m = MqttMessage.of(topic, p.payload(), p.qos(), p.retain() && cfg.outgoingRetain(),
                p.properties());
        // QoS 1/2 under the local session's packet id: after a restart of this broker its resend (same id, DUP)
        // meets the same flow at the remote, and a QoS 2 one the remote PUBREC'd goes on with PUBREL only
        (p.qos() == 0 ? r.publish(m) : r.publish(m, p.packetId(), p.dup()))
                .whenComplete((v, error) -> loop.execute(() -> {
                    if (error != null && !discarding) {
                        // the remote refused this one message (MQTT 5 reason code): trying again will not help;
                        // a lost connection fails nothing, the remote session sends it again
                        Log.WARNING.warn("Bridge {}: remote refused '{}': {}", cfg.name(), p.topic(),
                                unwrap(error).getMessage());
                    }
                    done.accept(error);
                }));
        return true;
    }

    @Override
    public boolean release(int packetId, Runnable done) {
        MqttClient r = remote;
        if (!up || r == null) {
            return false;
        }
        lastTrafficNanos = System.nanoTime();
        r.release(packetId).whenComplete((v, error) -> loop.execute(done));
        return true;
    }

    @Override
    public void waiting(int count) {
        if (cfg.startType() == BridgeConfig.StartType.LAZY && !up && !connecting && count >= cfg.threshold()
                && !stopped) {
            lazyWanted = true;
            cancel(retry);
            connect();
        }
    }

    private void notifyLocal(char state) {
        broker.publish(cfg.notificationTopic(), new byte[] {(byte) state}, 1, true);
    }

    /**
     * Runs at once when on the loop: on CONNACK the SUBSCRIBEs go out before the client resends what is in
     * flight, in Mosquitto's order.
     */
    private void onLoop(Runnable r) {
        if (loop.inEventLoop()) {
            r.run();
        } else {
            loop.execute(r);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
