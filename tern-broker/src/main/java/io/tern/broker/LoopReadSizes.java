package io.tern.broker;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * Netty's default read-size policy for a socket (2 KiB first, adapting between 64 B and 64 KiB, up to 16 reads
 * per wake-up), with one handle per event loop instead of one per connection: a handle is ~110 bytes (the handle,
 * its size calculator, a supplier), which an idle connection would carry for nothing.
 *
 * <p>Sharing is sound because a handle is only used on the loop that reads the channel, and a read (reset,
 * the reads of one wake-up, readComplete) ends before the loop reads another channel: its counters are reset at
 * every read; what carries over is the size guess, which is then the loop's rather than the connection's.
 * Asked from a thread that is not an event loop, it hands out a handle of the connection's own.
 */
final class LoopReadSizes implements MaxMessagesRecvByteBufAllocator {

    private final AdaptiveRecvByteBufAllocator sizes = new AdaptiveRecvByteBufAllocator();
    private final FastThreadLocal<Handle> perLoop = new FastThreadLocal<>() {
        @Override
        protected Handle initialValue() {
            return sizes.newHandle();
        }
    };

    LoopReadSizes(int maxMessagesPerRead) {
        sizes.maxMessagesPerRead(maxMessagesPerRead);
    }

    @Override
    public Handle newHandle() {
        return Thread.currentThread() instanceof FastThreadLocalThread ? perLoop.get() : sizes.newHandle();
    }

    @Override
    public int maxMessagesPerRead() {
        return sizes.maxMessagesPerRead();
    }

    @Override
    public MaxMessagesRecvByteBufAllocator maxMessagesPerRead(int maxMessagesPerRead) {
        sizes.maxMessagesPerRead(maxMessagesPerRead);
        return this;
    }
}
