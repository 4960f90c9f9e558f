package io.tern.console;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tern.broker.Broker;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.config.ListenerProtocol;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The console of one running broker: its http listeners' access rules, the API, metrics, traces, live feed. */
final class ConsoleServer {

    /** Largest request body: publishes and subscriptions are small; a retained payload may be large-ish. */
    static final int MAX_REQUEST_BYTES = 1024 * 1024;

    private final Broker broker;
    private final Map<ListenerConfig, ConsoleAccess> access = new IdentityHashMap<>();
    private final Metrics metrics;
    private final Traces traces = new Traces();
    private final LiveFeed live = new LiveFeed();
    private final History history;
    private final AdminApi api;
    private final ChannelGroup channels = new DefaultChannelGroup("tern-console", GlobalEventExecutor.INSTANCE);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tern-console-history");
        t.setDaemon(true);
        return t;
    });

    ConsoleServer(Broker broker) throws IOException {
        this.broker = broker;
        this.metrics = new Metrics(broker);
        this.history = new History(broker.stats());
        this.api = new AdminApi(broker, traces, history);
        for (ListenerConfig l : broker.admin().listeners()) {
            if (l.protocol() == ListenerProtocol.HTTP) {
                ConsoleAccess a = new ConsoleAccess(broker.config(), l);
                a.describe(l.port());
                access.put(l, a);
            }
        }
    }

    void start() {
        broker.observe(metrics);
        broker.observe(traces);
        broker.observe(live);
        timer.scheduleAtFixedRate(history::sample, 0, History.INTERVAL_SECONDS, TimeUnit.SECONDS);
    }

    void reload() throws IOException {
        for (ConsoleAccess a : access.values()) {
            a.reload(broker.config());
        }
    }

    void stop() {
        broker.unobserve(live);
        broker.unobserve(traces);
        broker.unobserve(metrics);
        timer.shutdownNow();
        live.closeAll();
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        access.values().forEach(ConsoleAccess::stop);
    }

    /** Builds the HTTP pipeline of one connection on {@code listener}. */
    void initChannel(SocketChannel ch, ListenerConfig listener) {
        ConsoleAccess a = access.get(listener);
        if (a == null) {
            ch.close();
            return;
        }
        channels.add(ch);
        ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, 300) {
                    @Override
                    protected void channelIdle(io.netty.channel.ChannelHandlerContext ctx,
                                               io.netty.handler.timeout.IdleStateEvent evt) {
                        if (ctx.pipeline().get("live") == null) {
                            ctx.close(); // an idle keep-alive HTTP connection; live feeds stay
                        }
                    }
                })
                .addLast("http", new HttpServerCodec())
                .addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                .addLast("console", new ConsoleHttpHandler(this, a, listener.usesCertificateTls()));
    }

    boolean metricsPublic() {
        return broker.config().http().metricsPublic();
    }

    AdminApi api() {
        return api;
    }

    Metrics metrics() {
        return metrics;
    }

    LiveFeed live() {
        return live;
    }
}
