package io.tern.console;

import io.tern.broker.Broker;
import io.tern.broker.config.ConfigParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An http listener without a password file answers loopback clients only (anyone there is an administrator) and
 * says so at start-up; a client from any other address is refused without reaching any data.
 */
class LoopbackOnlyTest {

    @TempDir
    Path dir;

    @Test
    void withoutAPasswordFileOnlyLoopbackClientsAreServed() throws Exception {
        Optional<InetAddress> external = nonLoopbackAddress();
        int loop = ConsoleFixture.freePort();
        int ext = ConsoleFixture.freePort();
        StringBuilder conf = new StringBuilder("listener " + ConsoleFixture.freePort() + " 127.0.0.1\nallow_anonymous true\n"
                + "listener " + loop + " 127.0.0.1\nprotocol http\n");
        external.ifPresent(a -> conf.append("listener ").append(ext).append(' ').append(a.getHostAddress())
                .append("\nprotocol http\n"));
        Path file = dir.resolve("mosquitto.conf");
        Files.writeString(file, conf);
        try (ConsoleFixture.LogLines log = new ConsoleFixture.LogLines();
             Broker b = Broker.builder().config(ConfigParser.parse(file)).build().start()) {
            log.await("HTTP listener on port " + loop + " has no password_file: the console, API and metrics answer "
                    + "loopback addresses only.");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> local = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + loop
                    + "/api/v1/broker")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(local.statusCode()).as("loopback needs no credentials here").isEqualTo(200);
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", loop)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /api/v1/broker HTTP/1.1\r\nHost: rebound.example:" + loop
                        + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String reply = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(reply).as("DNS rebinding: a foreign Host on the open listener").startsWith("HTTP/1.1 403")
                        .doesNotContain("version");
            }
            if (external.isPresent()) {
                String host = external.get().getHostAddress();
                for (String path : new String[] {"/api/v1/broker", "/metrics", "/", "/api/v1/clients"}) {
                    HttpResponse<String> far = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + ext
                            + path)).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(far.statusCode()).as("from " + host + " to " + path).isEqualTo(403);
                    assertThat(far.body()).contains("loopback addresses only").doesNotContain("version");
                }
                log.await("HTTP request from " + host + " refused: this listener has no password_file and answers "
                        + "loopback addresses only.");
            } else {
                System.err.println("NOTE: no non-loopback address on this machine; the decision itself is checked below");
            }
        }
    }

    @Test
    void theDecisionAdmitsLoopbackOnlyWithoutAPasswordFile() throws Exception {
        Path file = dir.resolve("open.conf");
        Files.writeString(file, "listener 8080 127.0.0.1\nprotocol http\n");
        var config = ConfigParser.parse(file);
        ConsoleAccess open = new ConsoleAccess(config, config.effectiveListeners().get(0));
        assertThat(open.admits(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(open.admits(InetAddress.getByName("::1"))).isTrue();
        assertThat(open.admits(InetAddress.getByName("192.0.2.7"))).isFalse();
        assertThat(open.admits(InetAddress.getByName("10.1.2.3"))).isFalse();
        open.stop();
        assertThat(ConsoleHttpHandler.loopbackHost("localhost:8080")).isTrue();
        assertThat(ConsoleHttpHandler.loopbackHost("127.0.0.1:8080")).isTrue();
        assertThat(ConsoleHttpHandler.loopbackHost("[::1]:8080")).isTrue();
        assertThat(ConsoleHttpHandler.loopbackHost("evil.example:8080")).isFalse();
        assertThat(ConsoleHttpHandler.loopbackHost("127.0.0.1.evil.example")).isFalse();
        assertThat(ConsoleHttpHandler.loopbackHost("[::2]")).isFalse();

        Files.writeString(dir.resolve("passwd"), new io.tern.broker.security.PasswordHasher(
                io.tern.broker.security.PasswordHasher.Algorithm.SHA512_PBKDF2, 1000).entry("a", new byte[] {'x'}) + "\n");
        Files.writeString(file, "password_file passwd\nlistener 8080\nprotocol http\nhttp_admin_users a\n");
        var closed = ConfigParser.parse(file).workingDirectory(dir);
        ConsoleAccess guarded = new ConsoleAccess(closed, closed.effectiveListeners().get(0));
        assertThat(guarded.admits(InetAddress.getByName("192.0.2.7"))).as("credentials decide then").isTrue();
        assertThat(guarded.check("a", "x").get()).isEqualTo(ConsoleAccess.Verdict.ADMIN);
        assertThat(guarded.check("a", "y").get()).isEqualTo(ConsoleAccess.Verdict.BAD_CREDENTIALS);
        guarded.stop();
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws Exception {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }
}
