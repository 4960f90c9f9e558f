package io.tern.broker;

import io.tern.broker.config.BrokerConfig;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opening the durable store at start-up and rebuilding from what it recovered: retained messages, and the
 * sessions with their subscriptions, durable queue positions and inbound QoS 2 ids.
 */
final class StoreRecovery {

    private final Path dir;
    private final long t0;
    private final io.tern.broker.store.Store store;
    private final io.tern.broker.store.Recovered rec;

    private StoreRecovery(Path dir, long t0, io.tern.broker.store.Store store, io.tern.broker.store.Recovered rec) {
        this.dir = dir;
        this.t0 = t0;
        this.store = store;
        this.rec = rec;
    }

    /** Opens the store engine found on the class path and reads back what it holds. */
    static StoreRecovery open(BrokerConfig config) throws IOException {
        Path dir = PersistenceFile.storeDirectory(config.persistencePath());
        io.tern.broker.store.StoreFactory factory = java.util.ServiceLoader
                .load(io.tern.broker.store.StoreFactory.class).findFirst()
                .orElseThrow(() -> new IOException("persistence is on but no store engine is on the class path "
                        + "(tern-store-rocksdb)"));
        long t0 = System.nanoTime();
        io.tern.broker.store.Store store;
        io.tern.broker.store.Recovered rec;
        try {
            store = factory.open(dir, config.persistenceSync());
            rec = store.recover();
        } catch (io.tern.broker.store.StoreException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new StoreRecovery(dir, t0, store, rec);
    }

    io.tern.broker.store.Store store() { return store; }

    io.tern.broker.store.Recovered recovered() { return rec; }

    /** Rebuilds retained messages, sessions and subscriptions in {@code broker}; after its durability is set. */
    void restore(Broker broker) {
        for (io.tern.broker.store.StoredMessage m : rec.retained()) {
            Message msg = Durability.fromStored(m);
            broker.retained().put(msg);
            if (m.source() != null && m.publisherId() != null) {
                broker.retainSources().restored(msg, m.publisherId(), m.source().username(),
                        broker.listenerOnPort(m.source().listenerPort()));
            }
        }
        long now = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        long queued = 0;
        for (io.tern.broker.store.StoredSession ss : rec.sessions()) {
            Session s = new Session(broker, ss.clientId(), broker.nextLoop());
            s.restore(io.tern.codec.MqttVersion.values()[Math.max(0, Math.min(2, ss.protocolLevel() - 3))],
                    ss.expirySeconds(),
                    now - Math.max(0, nowMillis - (ss.disconnectedAtEpochMillis() == 0 ? nowMillis
                            : ss.disconnectedAtEpochMillis())) * 1_000_000L);
            s.durable(true);
            s.inflight.resumeAfter(ss.lastPacketId());
            for (io.tern.broker.store.StoredSession.StoredSubscription sub : ss.subscriptions()) {
                boolean shared = io.tern.codec.Topics.isShared(sub.filter());
                String filter = shared ? io.tern.codec.Topics.sharedTopicFilter(sub.filter()) : sub.filter();
                Subscriber entry = new Subscriber(s, filter, sub.qos(), sub.noLocal(), sub.retainAsPublished(),
                        sub.retainHandling(), sub.subscriptionId());
                broker.subscribe(sub.filter(), entry);
                s.putSubscription(sub.filter(), entry);
            }
            long count = rec.queuedCounts().getOrDefault(ss.clientId(), 0L);
            s.restoreQueue(rec.lastSeq().getOrDefault(ss.clientId(), 0L), count);
            rec.inboundQos2().getOrDefault(ss.clientId(), java.util.Set.of()).forEach(s::awaitRelease);
            queued += count;
            broker.sessions().restore(s);
        }
        Log.NOTICE.info("Restored {} sessions, {} queued messages and {} retained messages from {} in {} ms.",
                rec.sessions().size(), queued, rec.retained().size(), dir, (System.nanoTime() - t0) / 1_000_000);
    }
}
