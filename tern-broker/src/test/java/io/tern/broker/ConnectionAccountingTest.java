package io.tern.broker;

import io.tern.broker.admin.ClientInfo;
import io.tern.codec.Packet;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a connection reports about itself now that it keeps no handler, attribute or string of its own for it:
 * the bytes it read (the decoder's count, for $SYS and the admin API) and its remote address (derived from the
 * channel when asked).
 */
class ConnectionAccountingTest {

    /** CONNECT, MQTT 3.1.1, clean session, keep-alive 60, client id "acct": 18 bytes. */
    private static final byte[] CONNECT = {0x10, 0x10, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 4, 'a', 'c', 'c', 't'};

    @Test
    void theSharedReadSizePolicyReadsAsOftenPerWakeUpAsNettysOwnDefaultForASocket() {
        // a channel config sets 16 on the allocator it makes itself, never on one given as an option: the shared
        // one must say so itself, or every connection reads only once per wake-up
        io.netty.channel.socket.SocketChannel ch = new io.netty.channel.socket.nio.NioSocketChannel();
        int nettyDefault = ((io.netty.channel.MaxMessagesRecvByteBufAllocator) ch.config().getRecvByteBufAllocator())
                .maxMessagesPerRead();
        assertThat(((io.netty.channel.MaxMessagesRecvByteBufAllocator) Broker.RECEIVE_SIZES).maxMessagesPerRead())
                .isEqualTo(nettyDefault).isEqualTo(16);
        ch.unsafe().closeForcibly();
    }

    @Test
    void bytesReadAndRemoteAddressAreThoseOfTheSocket() throws Exception {
        try (TestBroker b = TestBroker.start(); RawClient c = new RawClient(b.port())) {
            long before = b.broker.stats().bytesReceived.sum();
            c.sendBytes(CONNECT);
            assertThat(c.next()).isInstanceOf(Packet.ConnAck.class);
            c.sendBytes((byte) 0xC0, (byte) 0); // PINGREQ
            assertThat(c.next()).isInstanceOf(Packet.PingResp.class); // sent after the read that counted it
            assertThat(b.broker.stats().bytesReceived.sum() - before).isEqualTo(CONNECT.length + 2);
            ClientInfo info = b.broker.admin().client("acct").get(10, TimeUnit.SECONDS).orElseThrow();
            assertThat(info.bytesIn()).isEqualTo(CONNECT.length + 2);
            assertThat(info.address()).isEqualTo("127.0.0.1:" + c.localPort());
        }
    }
}
