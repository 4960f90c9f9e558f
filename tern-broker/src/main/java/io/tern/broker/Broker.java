package io.tern.broker;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.codec.MqttDecoder;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Tern broker. Build one from a configuration, {@link #start()} it, and {@link #close()} it:
 *
 * <pre>{@code
 * BrokerConfig config = new BrokerConfig();
 * config.addListener(new ListenerConfig(0));
 * try (Broker broker = Broker.builder().config(config).build().start()) {
 *     int port = broker.ports().get(0);
 *     ...
 * }
 * }</pre>
 *
 * All wiring happens here: there is no dependency-injection framework.
 */
public final class Broker implements AutoCloseable {

    /** Output buffered past 128 KiB makes a connection unwritable until it is below 32 KiB again. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 128 * 1024);
    /**
     * Netty's default read-size policy for a socket (2 KiB first, adapting between 64 B and 64 KiB, up to 16
     * reads per wake-up: what a channel's config sets on the allocator it makes, and the option does not), one
     * instance for all connections instead of one each, and in a handle of 24 bytes per connection ({@link ReadSizes}).
     */
    static final io.netty.channel.RecvByteBufAllocator RECEIVE_SIZES = new ReadSizes(16);

    /** How long a new connection may take to send CONNECT; HiveMQ and Mosquitto use similar bounds. */
    static final int CONNECT_TIMEOUT_SECONDS = 10;

    private final BrokerConfig config;
    private final Settings settings;
    private final BrokerStats stats = new BrokerStats();
    private final TopicTree tree = new TopicTree();
    private final Router router;
    private final RetainedStore retained = new RetainedStore();
    private final SessionRegistry sessions = new SessionRegistry(this);
    /** Per listener (by identity); replaced whole on reload. */
    private volatile java.util.Map<ListenerConfig, ListenerSecurity> security = java.util.Map.of();
    private final java.util.concurrent.ExecutorService authExecutor = new java.util.concurrent.ThreadPoolExecutor(
            1, 2, 30, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(10_000), r -> {
                Thread t = new Thread(r, "tern-auth");
                t.setDaemon(true);
                return t;
            }, new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
    private List<ListenerConfig> listeners = List.of();
    private final ChannelGroup channels = new DefaultChannelGroup("tern", GlobalEventExecutor.INSTANCE);
    private final List<Channel> serverChannels = new ArrayList<>();
    private final List<InetSocketAddress> bound = new ArrayList<>();
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private SysTopics sysTopics;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private volatile boolean running;
    private Durability durability;
    private io.tern.broker.security.EnhancedAuthenticator enhancedAuthenticator;
    /** Given to the builder, found by ServiceLoader, prepared, started and stopped. */
    private final Extensions extensions = new Extensions();
    /** The cluster module's hooks, or null on a single node (then a null check per message is all it costs). */
    private volatile io.tern.broker.extension.ClusterRouting cluster;
    /** CONNECT timeout, also the TLS handshake timeout; the builder may shorten it (tests). */
    private long connectTimeoutNanos = TimeUnit.SECONDS.toNanos(CONNECT_TIMEOUT_SECONDS);
    /** max_connections_per_address / connection_rate_limit, or null when both are off. */
    private final ConnectionGate gate;

    long connectTimeoutNanos() { return connectTimeoutNanos; }

    io.tern.broker.security.EnhancedAuthenticator enhancedAuthenticator() { return enhancedAuthenticator; }

    private Broker(BrokerConfig config) {
        this.config = config;
        this.settings = new Settings(config);
        this.router = new Router(tree, config.upgradeOutgoingQos(), config.sharedSubscriptionStrategy(), stats,
                config.maxQueuedMessages());
        this.gate = config.floodLimits().limitsConnections() ? new ConnectionGate(config.floodLimits()) : null;
    }

    /** Starts building a broker. */
    public static Builder builder() { return new Builder(); }

    /** Builds a {@link Broker}. */
    public static final class Builder {
        private BrokerConfig config;
        private io.tern.broker.security.EnhancedAuthenticator enhanced;
        private final List<io.tern.broker.extension.BrokerExtension> extensions = new ArrayList<>();
        private java.time.Duration connectTimeout;

        /** How long a new connection may take for its TLS handshake and its CONNECT (default 10 s). */
        public Builder connectTimeout(java.time.Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connect timeout must be positive, not " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** Adds an extension besides those {@link java.util.ServiceLoader} finds (tests, embedding). */
        public Builder extension(io.tern.broker.extension.BrokerExtension extension) {
            extensions.add(Objects.requireNonNull(extension));
            return this;
        }

        /** MQTT 5 enhanced authentication for clients that name this authenticator's method. */
        public Builder enhancedAuthenticator(io.tern.broker.security.EnhancedAuthenticator authenticator) {
            this.enhanced = authenticator;
            return this;
        }

        private Builder() {
        }

        /** Uses this configuration (as read from a file or built in code). */
        public Builder config(BrokerConfig config) {
            this.config = config;
            return this;
        }

        public Broker build() {
            Broker b = new Broker(config != null ? config : new BrokerConfig());
            b.enhancedAuthenticator = enhanced;
            b.extensions.addAll(extensions);
            if (connectTimeout != null) {
                b.connectTimeoutNanos = connectTimeout.toNanos();
            }
            return b;
        }
    }

    /** Tern's version, from the build. */
    public static String version() {
        try (InputStream in = Broker.class.getResourceAsStream("/tern-version.properties")) {
            if (in != null) {
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                return p.getProperty("version", "dev");
            }
        } catch (IOException e) {
            // fall through
        }
        return "dev";
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Binds every listener and starts serving.
     *
     * @throws IOException when a listener cannot bind; nothing is left running then
     */
    public Broker start() throws IOException {
        Log.NOTICE.info("tern version {} starting", version());
        listeners = config.effectiveListeners();
        extensions.prepare(this, config, listeners);
        loadSecurity();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerSocketChannel> channelType =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        bossGroup = new MultiThreadIoEventLoopGroup(1, io);
        workerGroup = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
        Log.INFO.info("Using {} transport with {} event loops.", epoll ? "native epoll" : "NIO",
                Runtime.getRuntime().availableProcessors());
        try {
            if (config.persistence()) {
                openStore();
            }
            for (ListenerConfig l : listeners) {
                bind(l, channelType);
            }
        } catch (IOException | RuntimeException e) {
            for (Channel ch : serverChannels) {
                ch.close().syncUninterruptibly();
            }
            extensions.stopPrepared(); // prepared, never started
            shutdownGroups();
            if (durability != null) {
                durability.store().close();
                durability = null;
            }
            throw e;
        }
        sysTopics = new SysTopics(this);
        sysTopics.publishStatic();
        int sysInterval = config.sysInterval();
        if (sysInterval > 0) {
            timers.add(workerGroup.next().scheduleAtFixedRate(sysTopics::publish, 0, sysInterval, TimeUnit.SECONDS));
        }
        timers.add(workerGroup.next().scheduleAtFixedRate(
                () -> sessions.expire(settings.persistentClientExpiration()), 1, 1, TimeUnit.SECONDS));
        timers.add(workerGroup.next().scheduleAtFixedRate(this::sweepIdle, IDLE_SWEEP_MILLIS, IDLE_SWEEP_MILLIS,
                TimeUnit.MILLISECONDS));
        if (gate != null) {
            timers.add(workerGroup.next().scheduleAtFixedRate(gate::sweep, 10, 10, TimeUnit.SECONDS));
        }
        startExtensions();
        running = true;
        Log.NOTICE.info("tern version {} running", version());
        return this;
    }

    /**
     * The extensions this broker's configuration enabled (after {@link #start()}), e.g. for one front door to
     * reach another's model (the console's REST API and the dynamic-security plugin).
     */
    public List<io.tern.broker.extension.BrokerExtension> extensions() {
        return List.copyOf(extensions.enabled());
    }

    /** Why a listener whose protocol the core does not serve cannot start (also for --test-config). */
    static String unserved(ListenerConfig l) {
        return "listener on port " + l.port() + " has 'protocol " + l.protocol().configName()
                + "' but no module serving it is on the class path (the web console is tern-console)";
    }

    /** Starts every enabled extension; one that fails closes the broker and fails start. */
    private void startExtensions() throws IOException {
        try {
            extensions.start(this, config);
        } catch (IOException e) {
            running = true;
            close();
            throw e;
        }
    }

    private void bind(ListenerConfig l, Class<? extends ServerSocketChannel> channelType) throws IOException {
        List<InetSocketAddress> addrs = ListenAddresses.of(l);
        AtomicInteger open = new AtomicInteger();
        int maxConnections = l.maxConnections();
        io.netty.handler.ssl.SslContext tls = null;
        io.tern.broker.transport.PskSettings psk = null;
        try {
            if (l.usesCertificateTls()) {
                tls = tlsContext(l);
            }
            if (l.usesPsk()) {
                String pskFile = config.security(l).pskFile();
                if (pskFile == null) {
                    throw new IOException("listener on port " + l.port() + " has psk_hint but no psk_file");
                }
                psk = new io.tern.broker.transport.PskSettings(l.pskHint(),
                        io.tern.broker.transport.PskFile.load(config.resolve(pskFile)),
                        l.tlsVersion() == null ? null : l.tlsVersion().configName());
            }
        } catch (io.tern.broker.transport.TransportConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
        // a holder, not the context: reload() swaps it and only connections opened afterwards see the new one
        final java.util.concurrent.atomic.AtomicReference<io.netty.handler.ssl.SslContext> sslContext =
                new java.util.concurrent.atomic.AtomicReference<>(tls);
        if (tls != null) {
            tlsContexts.put(l, sslContext);
        }
        final io.tern.broker.transport.PskSettings pskSettings = psk;
        final boolean websockets = l.protocol() == io.tern.broker.config.ListenerProtocol.WEBSOCKETS;
        final io.tern.broker.extension.ListenerPipeline served =
                l.protocol() == io.tern.broker.config.ListenerProtocol.HTTP ? extensions.pipeline(l) : null;
        for (InetSocketAddress addr : addrs) {
            ServerBootstrap b = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, config.setTcpNodelay())
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_SIZES)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (gate != null && !gate.admit(ch)) {
                                return; // before any handler: a refused connection costs no TLS handshake
                            }
                            if (maxConnections >= 0 && open.incrementAndGet() > maxConnections) {
                                open.decrementAndGet();
                                Log.NOTICE.info("Client connection from {} denied: max_connections {} reached.",
                                        ch.remoteAddress(), maxConnections);
                                ch.close();
                                return;
                            }
                            if (maxConnections >= 0) {
                                ch.closeFuture().addListener(f -> open.decrementAndGet());
                            }
                            if (served != null) {
                                // not in `channels`: the extension owns these connections and closes them at stop
                                io.netty.handler.ssl.SslContext tlsNow = sslContext.get();
                                if (tlsNow != null) {
                                    ch.pipeline().addLast("ssl", tlsNow.newHandler(ch.alloc()));
                                }
                                served.initChannel(ch);
                                return;
                            }
                            channels.add(ch);
                            if (pskSettings != null) {
                                ch.pipeline().addLast("psk", new io.tern.broker.transport.PskServerHandler(pskSettings));
                            }
                            io.netty.handler.ssl.SslContext tlsNow = sslContext.get();
                            if (websockets) {
                                io.tern.broker.transport.WebSocketTransport.addTo(ch.pipeline(), "/",
                                        maxFramePayload(), tlsNow, TimeUnit.NANOSECONDS.toMillis(connectTimeoutNanos));
                            } else if (tlsNow != null) {
                                io.netty.handler.ssl.SslHandler ssl = tlsNow.newHandler(ch.alloc());
                                // before it joins the pipeline: the handshake and its timer start then
                                ssl.setHandshakeTimeout(connectTimeoutNanos, TimeUnit.NANOSECONDS);
                                ch.pipeline().addLast("ssl", ssl);
                            }
                            if (pskSettings != null || websockets || tlsNow != null) {
                                // below the transport's framing; on plain TCP the connection is the socket end
                                // and counts its own writes (one handler context less per connection)
                                ch.pipeline().addFirst("socket-activity", SocketActivity.INSTANCE);
                            }
                            // the decoder (which also counts the bytes read) and
                            // the connection; no channel attributes (each costs an idle connection ~70 bytes)
                            MqttDecoder decoder = new MqttDecoder(decoderLimit()).withoutVersionAttribute();
                            ch.pipeline()
                                    .addLast("decoder", decoder)
                                    .addLast("mqtt", new NettyConnection(Broker.this, l, decoder));
                            if (config.floodLimits().limitsPublishing()) {
                                ch.pipeline().addBefore("mqtt", "throttle", new PublishThrottle(config.floodLimits()));
                            }
                        }
                    });
            try {
                Channel ch = b.bind(addr).sync().channel();
                serverChannels.add(ch);
                InetSocketAddress actual = (InetSocketAddress) ch.localAddress();
                bound.add(actual);
                Log.NOTICE.info("Opening {} listen socket on port {}.",
                        actual.getAddress() instanceof Inet6Address ? "ipv6" : "ipv4", actual.getPort());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while binding " + addr, e);
            } catch (Exception e) {
                throw new IOException("cannot listen on " + addr.getHostString() + " port " + l.port() + ": "
                        + e.getMessage(), e);
            }
        }
    }

    // ---------------------------------------------------------------- reload (SIGHUP)

    /** The TLS context holder of each certificate listener, filled by bind(), swapped by reload(). */
    private final java.util.Map<ListenerConfig, java.util.concurrent.atomic.AtomicReference<io.netty.handler.ssl.SslContext>>
            tlsContexts = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * What Mosquitto does on SIGHUP: re-reads the password, ACL and TLS files of every listener. New rules
     * apply to the next operation of connected clients; a new certificate to connections opened afterwards
     * (open ones keep their session keys). All files are read before anything is swapped, so on error the
     * previous security and certificates all stay in force.
     *
     * @throws IOException naming the file (and line) that is wrong
     */
    public void reload() throws IOException {
        Log.NOTICE.info("Reloading config.");
        java.util.Map<ListenerConfig, io.netty.handler.ssl.SslContext> fresh = new java.util.HashMap<>();
        try {
            for (ListenerConfig l : tlsContexts.keySet()) {
                fresh.put(l, tlsContext(l));
            }
        } catch (io.tern.broker.transport.TransportConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
        loadSecurity();
        fresh.forEach((l, tls) -> tlsContexts.get(l).set(tls));
        extensions.reload(this);
    }

    private io.netty.handler.ssl.SslContext tlsContext(ListenerConfig l) {
        io.tern.broker.transport.TlsSettings settings = new io.tern.broker.transport.TlsSettings(
                path(l.cafile()), path(l.capath()), path(l.certfile()), path(l.keyfile()), null,
                l.requireCertificate(), l.tlsVersion() == null ? null : l.tlsVersion().configName(),
                l.ciphers(), l.ciphersTls13(), path(l.crlfile()));
        io.netty.handler.ssl.SslContext tls = io.tern.broker.transport.TlsContextFactory.create(settings);
        Log.INFO.info("TLS on port {} uses {}.", l.port(), io.tern.broker.transport.TlsContextFactory.provider(settings));
        return tls;
    }

    private Path path(String written) {
        return written == null ? null : config.resolve(written);
    }

    /**
     * Room a packet may take beyond {@code message_size_limit} for its topic, properties and, in a CONNECT,
     * client id and credentials: a packet bigger than the limit plus this is refused at its fixed header,
     * before its body is buffered (0x95), where a smaller one over the limit is read and refused with 0x97.
     */
    static final int MESSAGE_SIZE_SLACK = 256 * 1024;

    /** The decoder's size limit: max_packet_size, and message_size_limit plus room for the rest of a packet. */
    int decoderLimit() {
        long limit = config.maxPacketSize() > 0 ? config.maxPacketSize() : Long.MAX_VALUE;
        if (config.messageSizeLimit() > 0) {
            limit = Math.min(limit, (long) config.messageSizeLimit() + MESSAGE_SIZE_SLACK);
        }
        return limit >= io.tern.codec.MqttDecoder.MAX_REMAINING_LENGTH ? 0 : (int) limit;
    }

    /**
     * Largest WebSocket frame: Netty buffers a whole frame before the MQTT decoder sees it, so with a size
     * limit a frame may hold no more than that (but at least 1 MB, for clients that put many packets in one).
     */
    private int maxFramePayload() {
        int limit = decoderLimit();
        return limit == 0 ? io.tern.broker.transport.WebSocketTransport.DEFAULT_MAX_FRAME_PAYLOAD
                : Math.max(limit, 1 << 20);
    }

    /** How often connections are checked for keep-alive expiry and CONNECT timeout. */
    static final long IDLE_SWEEP_MILLIS = 250;

    /**
     * One sweep over all connections instead of a timer per connection: an idle connection then costs no
     * scheduled task and no extra handler.
     */
    private void sweepIdle() {
        long now = System.nanoTime();
        for (Channel ch : channels) {
            NettyConnection c = NettyConnection.of(ch);
            if (c != null && c.idleFor(now)) {
                ch.eventLoop().execute(c::checkIdle);
            }
        }
    }

    /** Stops listening, tells MQTT 5 clients the server is shutting down, and closes every connection. */
    @Override
    public void close() {
        if (!running && workerGroup == null) {
            return;
        }
        running = false;
        Log.NOTICE.info("tern version {} terminating", version());
        extensions.stop();
        for (ScheduledFuture<?> t : timers) {
            t.cancel(false);
        }
        for (Channel ch : serverChannels) {
            ch.close().syncUninterruptibly();
        }
        for (Channel ch : channels) {
            NettyConnection c = ch.pipeline().get(NettyConnection.class);
            if (c != null) {
                ch.eventLoop().execute(() -> c.protocol().shutdown());
            }
        }
        channels.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        shutdownGroups();
        authExecutor.shutdownNow();
        if (durability != null) {
            try {
                durability.store().putCounters(stats.totals());
            } catch (RuntimeException e) {
                Log.ERROR.error("Could not store the $SYS totals at shutdown: {}", e.getMessage());
            }
            durability.store().close();
            durability = null;
        }
    }

    /** Opens the durable store and rebuilds sessions, subscriptions and retained messages from it. */
    private void openStore() throws IOException {
        StoreRecovery opened = StoreRecovery.open(config);
        durability = new Durability(opened.store(), opened.recovered().nextMessageId());
        stats.restore(opened.store().counters());
        router.durability(durability);
        opened.restore(this);
    }

    Durability durability() { return durability; }

    /** An event loop for a session that has no connection yet. */
    io.netty.util.concurrent.EventExecutor nextLoop() { return workerGroup.next(); }

    private void shutdownGroups() {
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            workerGroup = null;
        }
    }

    // ---------------------------------------------------------------- embedding API

    /** The addresses the listeners are bound to, in configuration order (useful with port 0). */
    public List<InetSocketAddress> boundAddresses() { return List.copyOf(bound); }

    /** The port of the first listener. */
    public int port() { return bound.get(0).getPort(); }

    /** Publishes a message from the application embedding the broker, as if a client had. */
    public void publish(String topic, byte[] payload, int qos, boolean retain) {
        Objects.requireNonNull(topic);
        publish(new Message(topic, payload, qos, retain, io.tern.codec.Properties.EMPTY, null, System.nanoTime(),
                Long.MAX_VALUE), null);
    }

    public BrokerStats stats() { return stats; }

    /** Set by extensions (console metrics, traces, live view); null costs the message path one check. */
    private volatile io.tern.broker.extension.MessageObserver observer;

    /**
     * Adds an observer of message events (metrics, traces, live views); several are called in the order added.
     * Call before {@link #start()} or from an extension's start.
     */
    public synchronized void observe(io.tern.broker.extension.MessageObserver o) {
        Objects.requireNonNull(o);
        io.tern.broker.extension.MessageObserver now = observer;
        observer = now == null ? o : new ObserverChain(now, o);
        router.observer(observer);
    }

    /** Removes an observer added with {@link #observe}. */
    public synchronized void unobserve(io.tern.broker.extension.MessageObserver o) {
        observer = ObserverChain.without(observer, o);
        router.observer(observer);
    }

    io.tern.broker.extension.MessageObserver observer() { return observer; }

    /** Read-only views of sessions and retained messages, and the operations of the admin API. */
    public BrokerAdmin admin() { return admin; }

    private final BrokerAdmin admin = new BrokerAdmin(this);

    EventLoopGroup workers() { return workerGroup; }

    List<ListenerConfig> effectiveListeners() { return listeners; }

    public BrokerConfig config() { return config; }

    // ---------------------------------------------------------------- internals used by sessions

    Settings settings() { return settings; }

    SessionRegistry sessions() { return sessions; }

    RetainedStore retained() { return retained; }

    TopicTree tree() { return tree; }

    ListenerSecurity security(ListenerConfig listener) {
        ListenerSecurity s = security.get(listener);
        if (s == null) {
            throw new IllegalStateException("no security for listener " + listener);
        }
        return s;
    }

    java.util.concurrent.Executor authExecutor() { return authExecutor; }

    private final List<io.tern.broker.extension.SecurityProvider> securityProviders =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Map<String, io.tern.broker.extension.ControlHandler> controlHandlers =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Lets {@code provider} supply the authenticator and authoriser of the listeners (see
     * {@link io.tern.broker.extension.SecurityProvider}); call from
     * {@link io.tern.broker.extension.BrokerExtension#prepare}. Applied from the next {@link #loadSecurity()} on.
     */
    public void securityProvider(io.tern.broker.extension.SecurityProvider provider) {
        securityProviders.add(Objects.requireNonNull(provider));
    }

    /** Receives PUBLISHes to {@code topic}, a {@code $CONTROL/} topic, instead of routing them. */
    public void controlHandler(String topic, io.tern.broker.extension.ControlHandler handler) {
        if (!topic.startsWith("$CONTROL/")) {
            throw new IllegalArgumentException("not a $CONTROL/ topic: " + topic);
        }
        controlHandlers.put(topic, Objects.requireNonNull(handler));
    }

    /** A PUBLISH to a {@code $CONTROL/} topic: to its handler if there is one, else dropped (as Mosquitto). */
    void control(ListenerConfig listener, String topic, String clientId, String username, byte[] payload) {
        io.tern.broker.extension.ControlHandler h = controlHandlers.get(topic);
        if (h != null) {
            h.handle(listener, clientId, username, payload);
        }
    }

    /**
     * Disconnects, as an administrator would, every connected client for which {@code which} holds given its
     * client id and username (null when it sent none): MQTT 5 clients get DISCONNECT 0x98, and no will is
     * published, as Mosquitto's {@code mosquitto_kick_client_by_username}.
     *
     * @return how many connections are being closed
     */
    public int disconnectClients(java.util.function.BiPredicate<String, String> which) {
        int n = 0;
        for (Session s : sessions.all()) {
            ProtocolHandler h = s.owner;
            if (h != null && s.online() && which.test(s.clientId(), s.username())) {
                h.executor().execute(h::kicked);
                n++;
            }
        }
        return n;
    }

    /**
     * (Re)reads the password and ACL files of every listener; on error the previous files stay in force.
     *
     * @throws IOException naming the file and line that is wrong
     */
    public void loadSecurity() throws IOException {
        java.util.Map<ListenerConfig, ListenerSecurity> m = new java.util.IdentityHashMap<>();
        for (ListenerConfig l : listeners) {
            m.put(l, ListenerSecurity.load(config, l, securityProviders));
        }
        m.put(localListener, ListenerSecurity.local(listeners.isEmpty() ? null : m.get(listeners.get(0))));
        security = m;
    }

    /** The listener in-process connections ({@link LocalConnection}) come in on; it is never bound. */
    private final ListenerConfig localListener = new ListenerConfig(ListenerConfig.DEFAULT_PORT, "local");

    ListenerConfig localListener() { return localListener; }

    /**
     * Opens an in-process MQTT connection (a bridge's local side): send it CONNECT, then packets as a client
     * would; the broker answers through {@code peer}. Call after {@link #start()}.
     *
     * @param executor the event loop that runs the connection, its session and {@code peer}; null for one of
     *                 the broker's
     * @param name     shown where a socket's address would be (logs)
     */
    public LocalConnection openLocal(io.netty.util.concurrent.EventExecutor executor, String name,
                                     LocalConnection.Peer peer) {
        if (workerGroup == null) {
            throw new IllegalStateException("the broker is not running");
        }
        return new LocalConnection(this, executor != null ? executor : workerGroup.next(), peer, name);
    }

    /**
     * Makes {@code msg} the retained message of its topic (an empty payload clears it), with its
     * {@code check_retain_source} record and in the store.
     *
     * @return whether durable state was written that must be synced before the publisher is acknowledged
     */
    boolean retain(Message msg) {
        retained.put(msg);
        if (config.checkRetainSource()) {
            retainSources.retained(msg);
        }
        // $SYS is the broker's own live state: recomputed at start, never stored (as Mosquitto)
        if (durability == null || msg.topic().startsWith("$SYS/")) {
            return false;
        }
        if (msg.payload().length == 0) {
            durability.store().removeRetained(msg.topic());
        } else {
            durability.store().putRetained(Durability.toStored(msg,
                    config.checkRetainSource() ? retainSources.stored(msg, localListener) : null));
        }
        return true;
    }

    /**
     * Retains if asked, then routes.
     *
     * @return whether durable state was written that must be synced before the publisher is acknowledged
     */
    boolean publish(Message msg, Session from) {
        boolean durable = msg.retain() && retain(msg);
        int n = router.publish(msg, from);
        io.tern.broker.extension.MessageObserver o = observer;
        if (o != null) {
            o.routed(msg, n);
        }
        io.tern.broker.extension.ClusterRouting c = cluster;
        if (c != null) {
            c.published(msg);
            Connection conn = from != null ? from.connection() : null;
            if (conn != null) {
                c.throttle(conn);
            }
        }
        return durable | router.lastPublishDurable();
    }

    /** Makes this broker a cluster node: {@code routing} hears of local publishes, subscriptions and sessions. */
    public void joinCluster(io.tern.broker.extension.ClusterRouting routing) {
        this.cluster = Objects.requireNonNull(routing);
        router.cluster(routing);
    }

    /** What a cluster module uses to act on this broker (deliver forwarded messages, move sessions). */
    public ClusterEndpoint clusterEndpoint() {
        return new ClusterEndpoint(this);
    }

    /** The cluster hooks, or null on a single node. */
    io.tern.broker.extension.ClusterRouting clusterRouting() { return cluster; }

    /** The cluster's members (this node included), or an empty list on a single node. */
    public List<io.tern.broker.extension.ClusterMember> clusterMembers() {
        io.tern.broker.extension.ClusterRouting c = cluster;
        return c == null ? List.of() : c.memberList();
    }

    /**
     * Adds a subscription; {@code fullFilter} may be a shared one ({@code $share/group/filter}), in which case
     * {@code s.filter()} is the filter part.
     */
    Subscriber subscribe(String fullFilter, Subscriber s) {
        Subscriber old = io.tern.codec.Topics.isShared(fullFilter)
                ? tree.subscribeShared(io.tern.codec.Topics.shareName(fullFilter), s) : tree.subscribe(s);
        io.tern.broker.extension.ClusterRouting c = cluster;
        if (c != null) {
            c.subscribed(s.session().clientId(), ClusterEndpoint.state(fullFilter, s), old == null);
        }
        return old;
    }

    Router router() { return router; }

    /** Publishers of retained messages, for {@code check_retain_source}. */
    RetainSources retainSources() { return retainSources; }

    /** The listener bound to {@code port} (the first, as Mosquitto's persistence looks it up), or null. */
    ListenerConfig listenerOnPort(int port) {
        for (ListenerConfig l : listeners) {
            if (port != 0 && l.port() == port) {
                return l;
            }
        }
        return null;
    }

    /** A listener whose security stands for all of them (per_listener_settings false), or the local one. */
    ListenerConfig anyListener() { return listeners.isEmpty() ? localListener : listeners.get(0); }

    private final RetainSources retainSources = new RetainSources();

    /** Removes a subscription by the filter the client subscribed with (shared ones included). */
    boolean unsubscribe(Session s, String fullFilter) {
        boolean removed = io.tern.codec.Topics.isShared(fullFilter)
                ? tree.unsubscribeShared(s, io.tern.codec.Topics.shareName(fullFilter),
                        io.tern.codec.Topics.sharedTopicFilter(fullFilter))
                : tree.unsubscribe(s, fullFilter);
        io.tern.broker.extension.ClusterRouting c = cluster;
        if (removed && c != null) {
            c.unsubscribed(s.clientId(), fullFilter);
        }
        return removed;
    }

}
