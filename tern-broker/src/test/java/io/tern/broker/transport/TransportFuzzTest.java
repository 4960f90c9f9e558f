package io.tern.broker.transport;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.util.ReferenceCountUtil;
import io.tern.codec.MalformedPacketException;
import io.tern.codec.MqttDecoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzz targets for the PSK file reader and the WebSocket transport (HTTP upgrade, frames, MQTT bytes across
 * frames). A bad PSK file is a {@link TransportConfigException} naming the file and line; bad WebSocket input
 * reaches the broker's handler only as an exception the broker can log as a reason (a corrupt frame, a too
 * long frame, a failed handshake, a malformed MQTT packet), never as anything else.
 *
 * <p>The normal test run replays {@code src/test/resources/io/tern/broker/transport/TransportFuzzTestInputs};
 * {@code -Pfuzz} runs a campaign (see the root pom).
 */
class TransportFuzzTest {

    private static final Path PSK;

    static {
        try {
            Path dir = Files.createTempDirectory("tern-psk-fuzz");
            dir.toFile().deleteOnExit();
            PSK = dir.resolve("psk.txt");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void pskFile(byte[] input) throws IOException {
        Files.write(PSK, input);
        try {
            PskFile.load(PSK);
        } catch (TransportConfigException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("psk_file " + PSK)) {
                throw new AssertionError("rejected without naming the file: " + e.getMessage(), e);
            }
        }
    }

    private static final byte[] UPGRADE = ("GET /mqtt HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Protocol: mqtt\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    /**
     * Bytes after a valid upgrade (frames), or the upgrade request itself, fed in chunks the input chooses.
     */
    @FuzzTest(maxDuration = "10s")
    void webSocket(FuzzedDataProvider data) {
        boolean upgraded = data.consumeBoolean();
        int chunk = data.consumeInt(1, 4096);
        byte[] body = data.consumeRemainingAsBytes();
        Sink sink = new Sink();
        EmbeddedChannel ch = new EmbeddedChannel();
        WebSocketTransport.addTo(ch.pipeline(), "/", 65_536, null);
        ch.pipeline().addLast(new MqttDecoder(0), sink);
        try {
            if (upgraded) {
                ch.writeInbound(Unpooled.wrappedBuffer(UPGRADE));
            }
            for (int i = 0; i < body.length && ch.isOpen(); i += chunk) {
                ch.writeInbound(Unpooled.wrappedBuffer(body, i, Math.min(chunk, body.length - i)));
            }
            ch.runPendingTasks();
        } finally {
            ch.finishAndReleaseAll();
        }
        for (Throwable t : sink.errors) {
            if (!explained(t)) {
                throw new AssertionError("the broker would see an unexplained " + t, t);
            }
        }
    }

    /** What NettyConnection can log as the reason a connection is closed. */
    static boolean explained(Throwable t) {
        Throwable c = t instanceof DecoderException && !(t instanceof MalformedPacketException)
                && t.getCause() != null ? t.getCause() : t;
        boolean known = c instanceof MalformedPacketException || c instanceof CorruptedWebSocketFrameException
                || c instanceof TooLongFrameException || c instanceof WebSocketHandshakeException;
        return known && c.getMessage() != null && !c.getMessage().isBlank();
    }

    /** Stands where NettyConnection is: records the exceptions that reach it and drops the packets. */
    private static final class Sink extends ChannelInboundHandlerAdapter {
        final List<Throwable> errors = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
            ctx.close();
        }
    }
}
