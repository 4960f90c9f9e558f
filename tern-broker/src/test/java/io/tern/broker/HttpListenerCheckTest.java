package io.tern.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --test-config} reports an http listener that no module on the class path serves, as start-up would. */
class HttpListenerCheckTest {

    @TempDir
    Path dir;

    @Test
    void testConfigReportsAnHttpListenerWithoutTheConsoleModule() throws Exception {
        Path conf = dir.resolve("tern.conf");
        Files.writeString(conf, "listener 1883\nlistener 8080 127.0.0.1\nprotocol http\nhttp_admin_users admin\n");
        StringWriter out = new StringWriter();
        PrintWriter err = new PrintWriter(out, true);
        int code = new CommandLine(new Main(err)).execute("-c", conf.toString(), "--test-config");
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("Error: listener on port 8080 has 'protocol http' but no module serving it "
                + "is on the class path (the web console is tern-console)");
    }
}
