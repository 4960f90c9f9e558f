package io.tern.cluster;

import io.tern.broker.Message;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * Sends messages to other nodes, batched per destination: publishers only append to the destination's queue;
 * one sender thread takes whatever has gathered for a node (up to {@link #MAX_BATCH} messages) and sends it as one
 * frame. Under load a frame carries many messages; when idle a message leaves at once (no linger). One FIFO queue
 * and one sender per destination keep the order of each publisher's messages.
 */
final class Forwarder implements AutoCloseable {

    /** Messages per frame at most; also bounds a frame's size for Hazelcast's event queue. */
    static final int MAX_BATCH = 512;
    /** Messages waiting for one node at most before new ones are dropped (and counted): a stuck peer cannot exhaust the heap. */
    static final int MAX_WAITING = 200_000;

    /** One message for one node: to its plain subscribers if {@code plain}, and to these shared groups. */
    record Forward(Message message, boolean plain, List<String> groups) {
    }

    private static final class Destination {
        final ConcurrentLinkedQueue<Forward> queue = new ConcurrentLinkedQueue<>();
        final AtomicInteger waiting = new AtomicInteger();
    }

    private final Map<UUID, Destination> destinations = new ConcurrentHashMap<>();
    private final BiConsumer<UUID, byte[]> send;
    private final Thread sender;
    private volatile boolean running = true;
    final LongAdder forwarded = new LongAdder();
    final LongAdder frames = new LongAdder();
    final LongAdder dropped = new LongAdder();

    /** {@code send} delivers one encoded frame to a node. */
    Forwarder(String name, BiConsumer<UUID, byte[]> send) {
        this.send = send;
        this.sender = new Thread(this::run, "tern-cluster-forward-" + name);
        this.sender.setDaemon(true);
        this.sender.start();
    }

    void forward(UUID node, Forward f) {
        Destination d = destinations.computeIfAbsent(node, k -> new Destination());
        if (d.waiting.incrementAndGet() > MAX_WAITING) {
            d.waiting.decrementAndGet();
            dropped.increment();
            return;
        }
        d.queue.add(f);
        LockSupport.unpark(sender);
    }

    /** A node left: what waits for it is dropped. */
    void forget(UUID node) {
        destinations.remove(node);
    }

    private void run() {
        List<Forward> batch = new ArrayList<>(MAX_BATCH);
        while (running) {
            boolean sent = false;
            for (Map.Entry<UUID, Destination> e : destinations.entrySet()) {
                Destination d = e.getValue();
                Forward f;
                while (batch.size() < MAX_BATCH && (f = d.queue.poll()) != null) {
                    batch.add(f);
                }
                if (batch.isEmpty()) {
                    continue;
                }
                d.waiting.addAndGet(-batch.size());
                try {
                    send.accept(e.getKey(), encode(batch));
                    forwarded.add(batch.size());
                    frames.increment();
                } catch (RuntimeException ex) {
                    dropped.add(batch.size());
                    ClusterNode.LOG.warn("Cluster: could not forward {} messages to {}: {}", batch.size(), e.getKey(),
                            ex.toString());
                }
                batch.clear();
                sent = true;
            }
            if (!sent) {
                LockSupport.parkNanos(this, 50_000_000L);
            }
        }
    }

    static byte[] encode(List<Forward> batch) {
        return ClusterWire.write(out -> {
            out.writeInt(batch.size());
            for (Forward f : batch) {
                writeForward(out, f);
            }
        });
    }

    private static void writeForward(DataOutputStream out, Forward f) throws IOException {
        ClusterWire.writeMessage(out, f.message());
        out.writeBoolean(f.plain());
        out.writeShort(f.groups().size());
        for (String g : f.groups()) {
            out.writeUTF(g);
        }
    }

    static List<Forward> decode(byte[] frame) {
        return ClusterWire.read(frame, in -> {
            int n = in.readInt();
            List<Forward> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Message m = ClusterWire.readMessage(in);
                boolean plain = in.readBoolean();
                int g = in.readUnsignedShort();
                List<String> groups = new ArrayList<>(g);
                for (int k = 0; k < g; k++) {
                    groups.add(in.readUTF());
                }
                out.add(new Forward(m, plain, groups));
            }
            return out;
        });
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(sender);
        try {
            sender.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
