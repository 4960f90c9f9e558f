package io.tern.broker.extension;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.config.ListenerProtocol;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A listener whose protocol the core does not serve gets its pipeline from an extension, or stops start-up. */
class ListenerPipelineTest {

    private static BrokerConfig httpConfig() {
        BrokerConfig c = new BrokerConfig();
        c.addListener(new ListenerConfig(0, "127.0.0.1"));
        c.addListener(new ListenerConfig(0, "127.0.0.1").protocol(ListenerProtocol.HTTP));
        return c;
    }

    /** Answers every connection with one line, as a stand-in for the console's HTTP pipeline. */
    static final class Greeter implements BrokerExtension {
        @Override public String name() { return "greeter"; }
        @Override public boolean enabledBy(BrokerConfig config) { return true; }
        @Override public void start(Broker broker) { }
        @Override public ListenerPipeline pipeline(ListenerConfig listener) {
            if (listener.protocol() != ListenerProtocol.HTTP) {
                return null;
            }
            return ch -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override public void channelActive(ChannelHandlerContext ctx) {
                    ByteBuf b = Unpooled.copiedBuffer("hello from the extension\n", StandardCharsets.US_ASCII);
                    ctx.writeAndFlush(b).addListener(f -> ctx.close());
                }
            });
        }
    }

    @Test
    void anExtensionServesTheHttpListener() throws Exception {
        try (Broker b = Broker.builder().config(httpConfig()).extension(new Greeter()).build().start();
             Socket s = new Socket("127.0.0.1", b.boundAddresses().get(1).getPort())) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello from the extension\n");
        }
    }

    @Test
    void withoutAnExtensionServingItStartUpFailsClearly() {
        assertThatThrownBy(() -> Broker.builder().config(httpConfig()).build().start())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("has 'protocol http' but no module serving it is on the class path")
                .hasMessageContaining("tern-console");
    }
}
