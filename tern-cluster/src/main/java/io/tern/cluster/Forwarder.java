package io.tern.cluster;

import io.tern.broker.Message;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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

    /**
     * One message for one node: to its plain subscribers if {@code plain}, and to these shared groups;
     * {@code done} (QoS 1/2 only, else null) completes when that node confirmed it has it.
     */
    record Forward(Message message, boolean plain, List<String> groups, CompletableFuture<Void> done) {
    }

    /** Frames sent and not yet confirmed, by sequence number. */
    private record Unconfirmed(UUID node, List<CompletableFuture<Void>> waiting, long sentNanos) {
    }

    /** A frame of forwarded messages; then the sender, sequence and whether to confirm. */
    static final byte FRAME = 0;
    /** A confirmation of a frame: its sequence number. */
    static final byte CONFIRM = 1;
    /** A frame that is not confirmed within this time releases its publishers anyway (and is counted). */
    static final long CONFIRM_TIMEOUT_NANOS = 30_000_000_000L;

    /** This member's UUID; Hazelcast gives a member a new one when it merges after a split brain. */
    private volatile UUID self;
    private final java.util.concurrent.atomic.AtomicLong seq = new java.util.concurrent.atomic.AtomicLong();
    private final Map<Long, Unconfirmed> unconfirmed = new ConcurrentHashMap<>();
    final LongAdder unconfirmedTimeouts = new LongAdder();

    /**
     * Back-pressure towards the publishers: a destination whose queue holds more than this many messages, or
     * {@link #HIGH_WATER_BYTES}, is backed up (its link is full: the node reads slowly, e.g. because a subscriber
     * there is congested). Publishers that forward to it are paused until it drained below half of both.
     */
    static final int HIGH_WATER_MESSAGES = 5_000;
    static final long HIGH_WATER_BYTES = 8L << 20;

    static final class Destination {
        final ConcurrentLinkedQueue<Forward> queue = new ConcurrentLinkedQueue<>();
        final AtomicInteger waiting = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        volatile boolean backedUp;
        /** Publishers paused for this destination, resumed when it drained. */
        final ConcurrentLinkedQueue<io.tern.broker.Connection> paused = new ConcurrentLinkedQueue<>();

        boolean backedUp() { return backedUp; }

        /** Pauses a publisher until this destination drained; on the publisher's event loop. */
        void pause(io.tern.broker.Connection publisher) {
            if (publisher.pauseReading()) {
                paused.add(publisher);
                if (!backedUp) {
                    resume(); // drained meanwhile
                }
            }
        }

        void resume() {
            io.tern.broker.Connection c;
            while ((c = paused.poll()) != null) {
                io.tern.broker.Connection p = c;
                p.executor().execute(p::resumeReading);
            }
        }
    }

    /** What a forwarded message costs in the queue, roughly its PUBLISH size. */
    static long weight(Message m) {
        return 64L + m.topic().length() + m.payload().length;
    }

    private final Map<UUID, Destination> destinations = new ConcurrentHashMap<>();
    private final BiConsumer<UUID, byte[]> send;
    private final java.util.function.Predicate<UUID> writable;
    private final Thread sender;
    private volatile boolean running = true;
    final LongAdder forwarded = new LongAdder();
    final LongAdder frames = new LongAdder();
    final LongAdder dropped = new LongAdder();
    /** Times a destination became backed up (its publishers were paused). */
    final LongAdder backedUp = new LongAdder();
    private long lastWarn;

    /**
     * {@code send} delivers one encoded frame to a node; {@code writable} says whether its link can take one now
     * (a node whose link is full is skipped, and its queue grows until its publishers are paused).
     */
    Forwarder(String name, UUID self, BiConsumer<UUID, byte[]> send, java.util.function.Predicate<UUID> writable) {
        this.self = self;
        this.send = send;
        this.writable = writable;
        this.sender = new Thread(this::run, "tern-cluster-forward-" + name);
        this.sender.setDaemon(true);
        this.sender.start();
    }

    /** Frames that are not batches of messages (confirmations), sent by the sender thread in order. */
    private final ConcurrentLinkedQueue<Map.Entry<UUID, byte[]>> raw = new ConcurrentLinkedQueue<>();

    /** Sends one frame as it is, from the sender thread (callers may be event loops, which must not block). */
    void sendRaw(UUID node, byte[] frame) {
        raw.add(Map.entry(node, frame));
        LockSupport.unpark(sender);
    }

    void self(UUID now) {
        this.self = now;
    }

    /** Wakes the sender (a full link drained). */
    void wake() {
        LockSupport.unpark(sender);
    }

    /** Queues a message for a node; returns the destination when it is backed up (pause the publisher), else null. */
    Destination forward(UUID node, Forward f) {
        Destination d = destinations.computeIfAbsent(node, k -> new Destination());
        int n = d.waiting.incrementAndGet();
        if (n > MAX_WAITING) {
            // only a publisher that ignores the pause (none of ours: pausing stops reading) gets this far
            d.waiting.decrementAndGet();
            dropped.increment();
            if (f.done() != null) {
                f.done().complete(null);
            }
            return d;
        }
        long b = d.bytes.addAndGet(weight(f.message()));
        d.queue.add(f);
        LockSupport.unpark(sender);
        if (!d.backedUp && (n > HIGH_WATER_MESSAGES || b > HIGH_WATER_BYTES)) {
            d.backedUp = true;
            backedUp.increment();
        }
        return d.backedUp ? d : null;
    }

    /**
     * A node left: what waits for it is dropped and its publishers released (the node's own subscribers are
     * gone with it; the others have their copies).
     */
    void forget(UUID node) {
        Destination d = destinations.remove(node);
        if (d != null) {
            Forward f;
            while ((f = d.queue.poll()) != null) {
                if (f.done() != null) {
                    f.done().complete(null);
                }
            }
        }
        if (d != null) {
            d.backedUp = false;
            d.resume();
        }
        unconfirmed.values().removeIf(u -> {
            if (u.node().equals(node)) {
                u.waiting().forEach(w -> w.complete(null));
                return true;
            }
            return false;
        });
    }

    /** A node confirmed frame {@code sequence}. */
    void confirmed(long sequence) {
        Unconfirmed u = unconfirmed.remove(sequence);
        if (u != null) {
            u.waiting().forEach(w -> w.complete(null));
        }
    }

    private void expireUnconfirmed() {
        long now = System.nanoTime();
        unconfirmed.values().removeIf(u -> {
            if (now - u.sentNanos() > CONFIRM_TIMEOUT_NANOS) {
                unconfirmedTimeouts.increment();
                u.waiting().forEach(w -> w.complete(null));
                return true;
            }
            return false;
        });
    }

    static byte[] confirmation(long sequence) {
        return ClusterWire.write(out -> {
            out.writeByte(CONFIRM);
            out.writeLong(sequence);
        });
    }

    private void run() {
        List<Forward> batch = new ArrayList<>(MAX_BATCH);
        long lastSweep = System.nanoTime();
        while (running) {
            boolean sent = false;
            Map.Entry<UUID, byte[]> r;
            while ((r = raw.poll()) != null) {
                try {
                    send.accept(r.getKey(), r.getValue());
                } catch (RuntimeException ex) {
                    ClusterNode.LOG.warn("Cluster: could not send to {}: {}", r.getKey(), ex.toString());
                }
                sent = true;
            }
            if (System.nanoTime() - lastSweep > 1_000_000_000L) {
                lastSweep = System.nanoTime();
                expireUnconfirmed();
            }
            boolean full = false;
            for (Map.Entry<UUID, Destination> e : destinations.entrySet()) {
                Destination d = e.getValue();
                if (d.queue.isEmpty()) {
                    continue;
                }
                if (!writable.test(e.getKey())) {
                    full = true; // the others go on; this one's queue grows and pauses its publishers
                    continue;
                }
                Forward f;
                long w = 0;
                while (batch.size() < MAX_BATCH && (f = d.queue.poll()) != null) {
                    batch.add(f);
                    w += weight(f.message());
                }
                if (batch.isEmpty()) {
                    continue;
                }
                int left = d.waiting.addAndGet(-batch.size());
                long leftBytes = d.bytes.addAndGet(-w);
                if (d.backedUp && left <= HIGH_WATER_MESSAGES / 2 && leftBytes <= HIGH_WATER_BYTES / 2) {
                    d.backedUp = false;
                    d.resume();
                }
                List<CompletableFuture<Void>> waiting = null;
                for (Forward b : batch) {
                    if (b.done() != null) {
                        if (waiting == null) {
                            waiting = new ArrayList<>();
                        }
                        waiting.add(b.done());
                    }
                }
                long sequence = seq.incrementAndGet();
                if (waiting != null) {
                    unconfirmed.put(sequence, new Unconfirmed(e.getKey(), waiting, System.nanoTime()));
                }
                try {
                    send.accept(e.getKey(), encode(batch, self, sequence, waiting != null));
                    forwarded.add(batch.size());
                    frames.increment();
                } catch (RuntimeException ex) {
                    dropped.add(batch.size());
                    confirmed(sequence);
                    if (System.nanoTime() - lastWarn > 1_000_000_000L) {
                        lastWarn = System.nanoTime(); // at most one line a second while a peer is unreachable
                        ClusterNode.LOG.warn("Cluster: could not forward {} messages to {}: {}", batch.size(),
                                e.getKey(), ex.getMessage());
                    }
                }
                batch.clear();
                sent = true;
            }
            if (!sent) {
                // a full link wakes us when it drains (wake); the short park bounds a missed wake-up
                LockSupport.parkNanos(this, full ? 5_000_000L : 50_000_000L);
            }
        }
    }

    static byte[] encode(List<Forward> batch, UUID sender, long sequence, boolean confirm) {
        return ClusterWire.write(out -> {
            out.writeByte(FRAME);
            out.writeLong(sender.getMostSignificantBits());
            out.writeLong(sender.getLeastSignificantBits());
            out.writeLong(sequence);
            out.writeBoolean(confirm);
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

    /** A decoded frame; {@code confirm} says whether the sender waits for a {@link #confirmation}. */
    record Frame(UUID sender, long sequence, boolean confirm, List<Forward> forwards) {
    }

    /** Decodes a {@link #FRAME}; a {@link #CONFIRM} comes back as a frame without forwards. */
    static Frame decode(byte[] frame) {
        return ClusterWire.read(frame, in -> {
            if (in.readByte() == CONFIRM) {
                return new Frame(null, in.readLong(), false, null);
            }
            UUID sender = new UUID(in.readLong(), in.readLong());
            long sequence = in.readLong();
            boolean confirm = in.readBoolean();
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
                out.add(new Forward(m, plain, groups, null));
            }
            return new Frame(sender, sequence, confirm, out);
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
