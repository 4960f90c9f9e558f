package io.tern.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.tern.codec.MqttDecoder;
import io.tern.codec.MqttVersion;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one scenario against a broker and returns its {@link BenchResult}. Every phase has a deadline (set
 * up within {@code --connect-timeout}, publish for {@code --duration}, drain for {@code --drain}), so a run
 * always ends by itself even when the broker stops answering.
 */
public final class BenchRun {

    /** Connections being set up at once; more would overflow the broker's accept backlog. */
    private static final int CONNECTS_IN_FLIGHT = 256;
    private static final long NANOS = 1_000_000_000L;

    private final BenchParams p;
    private final PrintStream progress;
    private final Counters counters = new Counters();
    private final int runId = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
    private final List<Publisher> publishers = new ArrayList<>();
    private final List<Subscriber> subscribers = new ArrayList<>();
    private final List<Client> idle = new ArrayList<>();
    private final Histogram latency = new Histogram(Counters.MAX_LATENCY_NANOS, 3);
    private Histogram interval;
    private EventLoopGroup group;
    private boolean epoll;
    private InetSocketAddress remote;
    /** Subscribers connected so far, to spread them over {@code --sub-ports}. */
    private int subscriberConnects;
    private int sourceIps;

    /**
     * @param progress where to print a progress line each second, or null for none
     */
    public BenchRun(BenchParams params, PrintStream progress) {
        params.validate();
        this.p = params;
        this.progress = progress;
    }

    /** Runs the scenario; returns when it is over, within {@link BenchParams#hardLimitS()}. */
    public BenchResult run() throws InterruptedException {
        long cpu0 = processCpuNanos();
        long wall0 = System.nanoTime();
        epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(p.threads,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            remote = new InetSocketAddress(InetAddress.getByName(p.host), p.port);
            sourceIps = sourceIps(remote.getAddress());
            return execute(cpu0, wall0);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + p.host + " (-h)", e);
        } finally {
            disconnectAll();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private BenchResult execute(long cpu0, long wall0) throws InterruptedException {
        String prefix = p.clientIdPrefix != null ? p.clientIdPrefix : "tb-" + Integer.toHexString(runId);
        MqttVersion v = p.version();
        int pubCount = p.publishers();
        int subCount = p.subscriberCount();
        long limit = p.count > 0 ? p.count : Long.MAX_VALUE;
        double perPublisherRate = pubCount > 0 ? p.totalRate(pubCount) / pubCount : 0;

        long connectStart = System.nanoTime();
        long connectDeadline = connectStart + (long) (p.connectTimeoutS * NANOS);
        List<Client> all = new ArrayList<>();
        if (p.scenario == Scenario.CONN) {
            for (int i = 0; i < p.clients(); i++) {
                idle.add(new Client(prefix + "-c" + i, v, p.keepAlive, counters));
            }
            all.addAll(idle);
        }
        for (int i = 0; i < subCount; i++) {
            Subscriber s = new Subscriber(prefix + "-s" + i, v, p.keepAlive, counters, expand(p.filter(), i),
                    p.qos, runId, p.scenario == Scenario.SUB);
            s.persistentSession = p.persistent;
            subscribers.add(s);
        }
        all.addAll(subscribers);
        for (int i = 0; i < pubCount; i++) {
            publishers.add(new Publisher(prefix + "-p" + i, v, p.keepAlive, counters, i, runId,
                    expand(p.topic(), i), p.qos, p.payloadSize, limit, p.inflight, perPublisherRate));
        }
        all.addAll(publishers);
        boolean allUp = connectAll(all, connectDeadline);
        double connectSeconds = (System.nanoTime() - connectStart) / 1e9;

        long start = System.nanoTime();
        long sendEnd = start;
        if (allUp && p.scenario == Scenario.CONN) {
            holdFor(start + (long) (p.durationS * NANOS), start);
            sendEnd = System.nanoTime();
        } else if (allUp) {
            for (Publisher pub : publishers) {
                pub.channel.eventLoop().execute(pub::start);
            }
            long end = start + (long) (p.durationS * NANOS);
            long nextLine = start + NANOS;
            while (System.nanoTime() < end && !(p.count > 0 && pubCount > 0 && allFinished())) {
                TimeUnit.MILLISECONDS.sleep(10);
                if (System.nanoTime() >= nextLine) {
                    progressLine(start, "");
                    nextLine += NANOS;
                }
            }
            for (Publisher pub : publishers) {
                pub.channel.eventLoop().execute(pub::stop);
            }
            sendEnd = System.nanoTime();
            drain(start, sendEnd + (long) (p.drainS * NANOS), subCount);
        }
        long lastReceive = counters.lastReceiveNanos;
        double seconds = (sendEnd - start) / 1e9;
        // the outside generator's definition: unique messages / (last receipt - first publish)
        long firstSend = counters.firstSendNanos.get();
        double receiveSeconds = firstSend > 0 && lastReceive > firstSend ? (lastReceive - firstSend) / 1e9 : seconds;
        long[] accepted = new long[pubCount];
        long acked = 0;
        for (int i = 0; i < pubCount; i++) {
            Publisher pub = publishers.get(i);
            accepted[i] = onLoop(pub, pub::accepted, 0L);
        }
        long expectedPerSubscriber = 0;
        for (long a : accepted) {
            expectedPerSubscriber += a;
        }
        long[] keys = new long[pubCount];
        for (int i = 0; i < pubCount; i++) {
            keys[i] = SequenceTracker.key(runId, i);
        }
        long lost = 0;
        long dup = 0;
        long ooo = 0;
        for (Subscriber s : subscribers) {
            long[] r = onLoop(s, () -> new long[] {
                    s.tracker.lost(key -> (int) (key >>> 32) == runId && (int) key >= 0 && (int) key < pubCount
                            ? accepted[(int) key] : -1, p.scenario == Scenario.SUB ? new long[0] : keys),
                    s.tracker.duplicates(), s.tracker.outOfOrder()}, new long[] {expectedPerSubscriber, 0, 0});
            lost += r[0];
            dup += r[1];
            ooo += r[2];
        }
        takeInterval();
        Map<String, Double> lat = new LinkedHashMap<>();
        lat.put("count", (double) latency.getTotalCount());
        lat.put("mean", latency.getTotalCount() > 0 ? latency.getMean() / 1000 : 0.0);
        lat.put("p50", micros(latency, 50));
        lat.put("p90", micros(latency, 90));
        lat.put("p99", micros(latency, 99));
        lat.put("p99.9", micros(latency, 99.9));
        lat.put("max", latency.getTotalCount() > 0 ? latency.getMaxValue() / 1000.0 : 0.0);
        long received = counters.received.sum();
        long unique = counters.distinct.sum();
        long sent = counters.sent.sum();
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        double wall = (System.nanoTime() - wall0) / 1e9;
        return new BenchResult(p.scenario.id(), params(perPublisherRate), pubCount, subCount,
                counters.connected.sum(), counters.connectFailed.sum() + (all.size() - counters.connected.sum()
                - counters.connectFailed.sum()), connectSeconds, seconds, sent, counters.acked.sum(), received,
                unique, expectedPerSubscriber * subCount, seconds > 0 ? sent / seconds : 0, receiveSeconds,
                receiveSeconds > 0 ? unique / receiveSeconds : 0, lost, dup, ooo, counters.foreign.sum(),
                counters.droppedByBroker.sum(), lat, cpu, wall, counters.errors(), counters.errorCount());
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() > 0 ? h.getValueAtPercentile(percentile) / 1000.0 : 0.0;
    }

    /** Sets up every connection, at most {@link #CONNECTS_IN_FLIGHT} at a time and at --rate for conn. */
    private boolean connectAll(List<Client> clients, long deadline) throws InterruptedException {
        Semaphore slots = new Semaphore(CONNECTS_IN_FLIGHT);
        double connectRate = p.scenario == Scenario.CONN && p.rate > 0 ? p.rate : 0;
        long t0 = System.nanoTime();
        long nextLine = t0 + NANOS;
        for (int i = 0; i < clients.size(); i++) {
            long now = System.nanoTime();
            if (now >= nextLine) {
                progressLine(t0, "connecting");
                nextLine += NANOS;
            }
            if (connectRate > 0) {
                long due = t0 + (long) (i / connectRate * NANOS);
                if (due > now) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(due - now, deadline - now));
                }
            }
            if (!slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                counters.error("could not set up " + (clients.size() - i) + " connections within --connect-timeout "
                        + p.connectTimeoutS + " s");
                break;
            }
            Client c = clients.get(i);
            c.ready().whenComplete((ok, err) -> slots.release());
            connect(c, i);
        }
        for (Client c : clients) {
            long left = deadline - System.nanoTime();
            try {
                c.ready().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                // counted and recorded by the client
            } catch (TimeoutException e) {
                counters.error(c.clientId + ": not set up within --connect-timeout " + p.connectTimeoutS + " s");
                break;
            }
        }
        long failed = clients.stream().filter(c -> !c.ready().isDone() || c.ready().isCompletedExceptionally()).count();
        if (failed > 0) {
            counters.error(failed + " of " + clients.size() + " connections could not be set up; not publishing");
        }
        return failed == 0;
    }

    private void connect(Client c, int index) {
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (c.keepAlive > 0) {
                            ch.pipeline().addLast(new IdleStateHandler(0, Math.max(1, c.keepAlive * 3 / 4), 0));
                        }
                        ch.pipeline().addLast(new MqttDecoder(c.version, 0)).addLast(c);
                    }
                });
        InetSocketAddress to = remote;
        if (c instanceof Subscriber && !p.subPorts.isEmpty()) {
            to = new InetSocketAddress(remote.getAddress(), p.subPorts.get(subscriberConnects++ % p.subPorts.size()));
        }
        ChannelFuture f = sourceIps > 1
                ? b.connect(to, new InetSocketAddress(loopback(index % sourceIps), 0))
                : b.connect(to);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                c.fail("cannot connect to " + p.host + ":" + p.port + ": " + done.cause().getMessage());
            }
        });
    }

    private static InetAddress loopback(int i) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (1 + i)});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many loopback source addresses to spread the connections over. */
    private int sourceIps(InetAddress target) {
        if (!target.isLoopbackAddress() || target.getAddress().length != 4) {
            return 1;
        }
        int n = p.sourceIps > 0 ? p.sourceIps : (p.clients() + p.subscribers + 19_999) / 20_000;
        return Math.max(1, Math.min(254, n));
    }

    private void holdFor(long end, long start) throws InterruptedException {
        long nextLine = start + NANOS;
        while (System.nanoTime() < end) {
            TimeUnit.MILLISECONDS.sleep(10);
            if (System.nanoTime() >= nextLine) {
                progressLine(start, "holding");
                nextLine += NANOS;
            }
        }
    }

    /** Waits for messages still on their way: until every subscriber has all it is owed, or the deadline. */
    private void drain(long start, long deadline, int subCount) throws InterruptedException {
        long nextLine = System.nanoTime() + NANOS;
        while (System.nanoTime() < deadline) {
            boolean acksDone = allFinished();
            long owed = p.qos == 0 ? counters.sent.sum() : counters.acked.sum();
            if (acksDone && counters.distinct.sum() >= owed * subCount) {
                return;
            }
            if (p.scenario == Scenario.SUB) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(5);
            if (System.nanoTime() >= nextLine) {
                progressLine(start, "draining");
                nextLine += NANOS;
            }
        }
        counters.error("drain: gave up waiting after --drain " + p.drainS + " s");
    }

    private boolean allFinished() {
        for (Publisher pub : publishers) {
            if (!pub.finished) {
                return false;
            }
        }
        return true;
    }

    private long lastSent;
    private long lastReceived;
    private long lastConnected;

    private void progressLine(long start, String phase) {
        takeInterval();
        if (progress == null) {
            return;
        }
        long sent = counters.sent.sum();
        long received = counters.received.sum();
        long unique = counters.distinct.sum();
        long conns = counters.connected.sum();
        String line;
        double t = (System.nanoTime() - start) / 1e9;
        if (p.scenario == Scenario.CONN || phase.equals("connecting")) {
            line = String.format(Locale.ROOT, "[%5.1fs] %s connected %d (+%d/s) failed %d", t, phase, conns,
                    conns - lastConnected, counters.connectFailed.sum());
        } else {
            line = String.format(Locale.ROOT, "[%5.1fs] %ssent %d (%d/s) recv %d (%d/s) lost? %d p99 %s",
                    t, phase.isEmpty() ? "" : phase + " ", sent, sent - lastSent, received, received - lastReceived,
                    Math.max(0, (p.qos == 0 ? sent : counters.acked.sum()) * p.subscriberCount()
                            - counters.distinct.sum()),
                    interval != null && interval.getTotalCount() > 0
                            ? String.format(Locale.ROOT, "%.0fus", interval.getValueAtPercentile(99) / 1000.0) : "-");
        }
        progress.println(line);
        progress.flush();
        lastSent = sent;
        lastReceived = received;
        lastConnected = conns;
    }

    /** Moves the recorder's latest interval into the run's histogram; keeps it for the progress line. */
    private synchronized void takeInterval() {
        interval = counters.latency.getIntervalHistogram(interval);
        latency.add(interval);
    }

    private <T> T onLoop(Client c, java.util.concurrent.Callable<T> read, T fallback) {
        if (c.channel == null) {
            return fallback;
        }
        try {
            return c.channel.eventLoop().submit(read).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback;
        } catch (ExecutionException | TimeoutException e) {
            counters.error(c.clientId + ": could not read its counts: " + e);
            return fallback;
        }
    }

    private void disconnectAll() {
        List<CompletableFuture<Void>> closes = new ArrayList<>();
        List<Client> all = new ArrayList<>(publishers);
        all.addAll(subscribers);
        all.addAll(idle);
        for (Client c : all) {
            Channel ch = c.channel;
            if (ch != null && ch.isOpen()) {
                CompletableFuture<Void> closed = new CompletableFuture<>();
                ch.closeFuture().addListener(f -> closed.complete(null));
                closes.add(closed);
                ch.eventLoop().execute(c::disconnect);
            }
        }
        try {
            CompletableFuture.allOf(closes.toArray(new CompletableFuture[0])).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the group shutdown closes what is left
        }
    }

    private Map<String, Object> params(double perPublisherRate) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", p.host);
        m.put("port", p.port);
        m.put("clients", p.clients());
        m.put("publishers", p.publishers());
        m.put("subscribers", p.subscriberCount());
        m.put("qos", p.qos);
        m.put("payload_size", Math.max(Stamp.SIZE, p.payloadSize));
        m.put("rate", perPublisherRate * p.publishers());
        m.put("inflight", p.inflight);
        m.put("protocol", p.protocol);
        m.put("topic", p.topic());
        m.put("filter", p.filter());
        m.put("duration_s", p.durationS);
        m.put("count", p.count);
        m.put("threads", p.threads);
        m.put("source_ips", sourceIps);
        m.put("transport", epoll ? "epoll" : "nio");
        return m;
    }

    /** Replaces every {@code %i} with the client number. */
    static String expand(String template, int i) {
        return template.replace("%i", Integer.toString(i));
    }

    /** CPU time of this process; falls back to this JVM's threads where the OS bean cannot tell. */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long t = sun.getProcessCpuTime();
            if (t >= 0) {
                return t;
            }
        }
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : threads.getAllThreadIds()) {
            long t = threads.getThreadCpuTime(id);
            if (t > 0) {
                sum += t;
            }
        }
        return sum;
    }
}
