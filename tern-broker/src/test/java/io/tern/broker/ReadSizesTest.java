package io.tern.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The compact read-size handle decides as Netty's default (adaptive) one does, read for read. */
class ReadSizesTest {

    @Test
    void guessesAndStopsReadingAsNettysAdaptiveHandle() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ChannelConfig config = ch.config();
        RecvByteBufAllocator.ExtendedHandle netty = (RecvByteBufAllocator.ExtendedHandle)
                new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(16).newHandle();
        RecvByteBufAllocator.ExtendedHandle ours =
                (RecvByteBufAllocator.ExtendedHandle) new ReadSizes(16).newHandle();
        Random random = new Random(11);
        for (int wakeUp = 0; wakeUp < 2_000; wakeUp++) {
            netty.reset(config);
            ours.reset(config);
            // phases of small reads, large reads and reads that fill the buffer
            int phase = (wakeUp / 200) % 3;
            boolean more = true;
            while (more) {
                assertThat(ours.guess()).isEqualTo(netty.guess());
                ByteBuf a = ours.allocate(UnpooledByteBufAllocator.DEFAULT);
                assertThat(a.capacity()).isEqualTo(netty.guess());
                a.release();
                int attempt = ours.guess();
                netty.attemptedBytesRead(attempt);
                ours.attemptedBytesRead(attempt);
                int n = switch (phase) {
                    case 0 -> 1 + random.nextInt(40);
                    case 1 -> attempt;
                    default -> random.nextInt(attempt + 1);
                };
                netty.lastBytesRead(n);
                ours.lastBytesRead(n);
                assertThat(ours.lastBytesRead()).isEqualTo(netty.lastBytesRead());
                if (n > 0) {
                    netty.incMessagesRead(1);
                    ours.incMessagesRead(1);
                }
                more = netty.continueReading();
                assertThat(ours.continueReading()).isEqualTo(more);
            }
            netty.readComplete();
            ours.readComplete();
            assertThat(ours.guess()).isEqualTo(netty.guess());
        }
        ch.finishAndReleaseAll();
    }
}
