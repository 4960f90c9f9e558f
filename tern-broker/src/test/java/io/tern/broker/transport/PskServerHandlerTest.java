package io.tern.broker.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

/** The PSK handler's data path and close, driven in memory by BouncyCastle's TLS 1.2 PSK client. */
class PskServerHandlerTest {

    private final List<Object> events = new ArrayList<>();
    private final StringBuilder plain = new StringBuilder();

    private EmbeddedChannel channel() {
        PskSettings settings = PskSettings.of("hint", Map.of("sensor1", PskFile.decodeKey("0123456789abcdef0123")));
        return new EmbeddedChannel(new PskServerHandler(settings), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                plain.append(b.toString(StandardCharsets.UTF_8));
                b.release();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
    }

    /** Moves bytes both ways until neither side has anything to send. */
    private static void pump(EmbeddedChannel ch, TlsClientProtocol client) throws Exception {
        for (int round = 0; round < 50; round++) {
            boolean moved = false;
            int n = client.getAvailableOutputBytes();
            if (n > 0) {
                byte[] out = new byte[n];
                client.readOutput(out, 0, n);
                if (ch.isOpen()) { // the client answers our close_notify with its own after we closed
                    ch.writeInbound(Unpooled.wrappedBuffer(out));
                    moved = true;
                }
            }
            ByteBuf fromServer;
            while ((fromServer = ch.readOutbound()) != null) {
                byte[] in = ByteBufUtil.getBytes(fromServer);
                fromServer.release();
                if (!client.isClosed()) {
                    client.offerInput(in);
                }
                moved = true;
            }
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("TLS exchange did not settle in 50 rounds");
    }

    private static String read(TlsClientProtocol client) {
        int n = client.getAvailableInputBytes();
        byte[] b = new byte[n];
        client.readInput(b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void dataFlowsBothWaysAndCloseSendsCloseNotify() throws Exception {
        EmbeddedChannel ch = channel();
        // the broker may write before the handshake ends; it is held until then
        ch.writeAndFlush(Unpooled.copiedBuffer("early", StandardCharsets.UTF_8));
        Object nothing = ch.readOutbound();
        assertThat(nothing).isNull();

        TlsClientProtocol client = new TlsClientProtocol();
        client.connect(new PSKTlsClient(new BcTlsCrypto(new SecureRandom()),
                new BasicTlsPSKIdentity("sensor1", PskFile.decodeKey("0123456789abcdef0123"))));
        pump(ch, client);

        assertThat(events).containsExactly(new PskHandshakeCompleted("sensor1", "TLSv1.2",
                "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"));
        assertThat(read(client)).isEqualTo("early");

        byte[] one = "one,".getBytes(StandardCharsets.UTF_8);
        byte[] two = "two".getBytes(StandardCharsets.UTF_8);
        client.writeApplicationData(one, 0, one.length);
        client.writeApplicationData(two, 0, two.length);
        pump(ch, client);
        assertThat(plain.toString()).isEqualTo("one,two");

        ch.writeAndFlush(Unpooled.copiedBuffer("late", StandardCharsets.UTF_8));
        pump(ch, client);
        assertThat(read(client)).isEqualTo("late");

        ch.close();
        pump(ch, client);
        assertThat(client.isClosed()).as("client received close_notify").isTrue();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void closeNotifyFromTheClientClosesTheChannel() throws Exception {
        EmbeddedChannel ch = channel();
        TlsClientProtocol client = new TlsClientProtocol();
        client.connect(new PSKTlsClient(new BcTlsCrypto(new SecureRandom()),
                new BasicTlsPSKIdentity("sensor1", PskFile.decodeKey("0123456789abcdef0123"))));
        pump(ch, client);
        assertThat(events).hasSize(1).first().isInstanceOf(PskHandshakeCompleted.class);
        client.close();
        pump(ch, client);
        assertThat(ch.isOpen()).isFalse();
    }
}
