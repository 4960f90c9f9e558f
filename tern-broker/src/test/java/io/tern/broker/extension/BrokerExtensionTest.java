package io.tern.broker.extension;

import io.tern.broker.Broker;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrokerExtensionTest {

    static final class Recording implements BrokerExtension {
        final List<String> calls = new ArrayList<>();
        final boolean enabled;
        final boolean fail;

        Recording(boolean enabled, boolean fail) {
            this.enabled = enabled;
            this.fail = fail;
        }

        @Override public String name() { return "recording"; }
        @Override public boolean enabledBy(BrokerConfig config) { return enabled; }
        @Override public void start(Broker broker) throws IOException {
            calls.add("start:" + broker.port());
            if (fail) {
                throw new IOException("recording: refused");
            }
        }
        @Override public void reload(Broker broker) { calls.add("reload"); }
        @Override public void stop() { calls.add("stop"); }
    }

    private static BrokerConfig config() {
        BrokerConfig c = new BrokerConfig();
        c.addListener(new ListenerConfig(0));
        return c;
    }

    @Test
    void anEnabledExtensionStartsAfterBindingAndStopsAtClose() throws IOException {
        Recording ext = new Recording(true, false);
        Broker b = Broker.builder().config(config()).extension(ext).build().start();
        int port = b.port();
        b.reload();
        b.close();
        assertThat(ext.calls).containsExactly("start:" + port, "reload", "stop");
    }

    @Test
    void anExtensionTheConfigDoesNotAskForIsNeverStarted() throws IOException {
        Recording ext = new Recording(false, false);
        try (Broker b = Broker.builder().config(config()).extension(ext).build().start()) {
            assertThat(b.port()).isPositive();
        }
        assertThat(ext.calls).isEmpty();
    }

    @Test
    void aFailingExtensionFailsStartAndLeavesNothingBound() {
        Recording ext = new Recording(true, true);
        assertThatThrownBy(() -> Broker.builder().config(config()).extension(ext).build().start())
                .isInstanceOf(IOException.class).hasMessage("recording: refused");
    }
}
