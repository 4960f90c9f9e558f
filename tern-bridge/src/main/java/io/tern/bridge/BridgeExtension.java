package io.tern.bridge;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tern.broker.Broker;
import io.tern.broker.config.BridgeConfig;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.extension.BrokerExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code connection} sections of the configuration (found by {@link java.util.ServiceLoader}).
 * Bridges share one event loop: each bridge's state, its tern-client connection and its local session run on
 * it, so a bridge needs no locks. A SIGHUP keeps them running (Mosquitto does not reload bridges either).
 */
public final class BridgeExtension implements BrokerExtension {

    private EventLoopGroup group;
    private final List<Bridge> bridges = new ArrayList<>();

    @Override
    public String name() {
        return "bridge";
    }

    @Override
    public boolean enabledBy(BrokerConfig config) {
        return !config.bridges().isEmpty();
    }

    @Override
    public void start(Broker broker) {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tern-bridge", true),
                NioIoHandler.newFactory());
        for (BridgeConfig cfg : broker.config().bridges()) {
            Bridge b = new Bridge(broker, cfg, group);
            bridges.add(b);
            b.start();
        }
    }

    @Override
    public void stop() {
        for (Bridge b : bridges) {
            b.stop();
        }
        bridges.clear();
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
    }
}
