package io.tern.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.Arrays;

/**
 * Netty's default read-size policy for a socket ({@code AdaptiveRecvByteBufAllocator}: 2 KiB first, adapting
 * between 64 B and 64 KiB over the same size table, one step down after two reads that would have fit a smaller
 * buffer, four steps up after a read that filled it; up to 16 reads per wake-up), in a handle of 24 bytes instead
 * of ~110 (Netty's handle, its size calculator and a supplier): an idle connection carries it for nothing.
 *
 * <p>The handle keeps only the connection's size guess; the counters of one read (messages, bytes, the last
 * attempt) are the thread's ({@link Counters}): a read (reset, the reads of one wake-up, readComplete) runs on the
 * channel's event loop and ends before that loop reads another channel.
 */
final class ReadSizes implements MaxMessagesRecvByteBufAllocator {

    private static final int[] SIZE_TABLE;
    private static final int MIN_INDEX;
    private static final int MAX_INDEX;
    private static final int INITIAL_INDEX;

    static {
        int[] t = new int[64];
        int n = 0;
        for (int s = 16; s < 512; s += 16) {
            t[n++] = s;
        }
        for (int s = 512; s > 0; s <<= 1) {
            t[n++] = s;
        }
        SIZE_TABLE = Arrays.copyOf(t, n);
        MIN_INDEX = Arrays.binarySearch(SIZE_TABLE, 64);
        MAX_INDEX = Arrays.binarySearch(SIZE_TABLE, 65536);
        INITIAL_INDEX = Arrays.binarySearch(SIZE_TABLE, 2048);
    }

    /** The per-read counters, one set per thread. */
    private static final class Counters {
        ChannelConfig config;
        int messages;
        int bytes;
        int attempted;
        int last;
    }

    private static final FastThreadLocal<Counters> COUNTERS = new FastThreadLocal<>() {
        @Override
        protected Counters initialValue() {
            return new Counters();
        }
    };

    private volatile int maxMessagesPerRead;

    ReadSizes(int maxMessagesPerRead) {
        maxMessagesPerRead(maxMessagesPerRead);
    }

    @Override
    public RecvByteBufAllocator.Handle newHandle() {
        return new Handle(this);
    }

    @Override
    public int maxMessagesPerRead() {
        return maxMessagesPerRead;
    }

    @Override
    public MaxMessagesRecvByteBufAllocator maxMessagesPerRead(int maxMessagesPerRead) {
        if (maxMessagesPerRead <= 0) {
            throw new IllegalArgumentException("maxMessagesPerRead must be > 0, not " + maxMessagesPerRead);
        }
        this.maxMessagesPerRead = maxMessagesPerRead;
        return this;
    }

    /** One connection's guess: the size table index, and whether the last read would have fit a smaller one. */
    static final class Handle implements RecvByteBufAllocator.ExtendedHandle {

        private final ReadSizes sizes;
        private Counters c;
        private byte index = (byte) INITIAL_INDEX;
        private boolean decreaseNow;

        Handle(ReadSizes sizes) {
            this.sizes = sizes;
            this.c = COUNTERS.get();
        }

        /** As Netty's AdaptiveCalculator#record. */
        private void record(int size) {
            if (size <= SIZE_TABLE[Math.max(0, index - 1)]) {
                if (decreaseNow) {
                    index = (byte) Math.max(index - 1, MIN_INDEX);
                    decreaseNow = false;
                } else {
                    decreaseNow = true;
                }
            } else if (size >= SIZE_TABLE[index]) {
                index = (byte) Math.min(index + 4, MAX_INDEX);
                decreaseNow = false;
            }
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(guess());
        }

        @Override
        public int guess() {
            return SIZE_TABLE[index];
        }

        @Override
        public void reset(ChannelConfig config) {
            Counters k = COUNTERS.get();
            c = k;
            k.config = config;
            k.messages = 0;
            k.bytes = 0;
        }

        @Override
        public void incMessagesRead(int numMessages) {
            c.messages += numMessages;
        }

        @Override
        public void lastBytesRead(int bytes) {
            Counters k = c;
            if (bytes == k.attempted) {
                record(bytes);
            }
            k.last = bytes;
            if (bytes > 0) {
                k.bytes += bytes;
            }
        }

        @Override
        public int lastBytesRead() {
            return c.last;
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            c.attempted = bytes;
        }

        @Override
        public int attemptedBytesRead() {
            return c.attempted;
        }

        @Override
        public boolean continueReading() {
            Counters k = c;
            return k.config.isAutoRead() && k.attempted == k.last
                    && k.messages < sizes.maxMessagesPerRead && k.bytes > 0;
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            Counters k = c;
            return k.config.isAutoRead() && maybeMoreDataSupplier.get()
                    && k.messages < sizes.maxMessagesPerRead && k.bytes > 0;
        }

        @Override
        public void readComplete() {
            Counters k = c;
            record(k.bytes < 0 ? Integer.MAX_VALUE : k.bytes);
        }
    }
}
