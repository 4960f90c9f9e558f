package io.tern.console;

import io.tern.broker.security.PasswordHasher;
import io.tern.broker.transport.TestPki;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An http listener with {@code certfile}/{@code keyfile} serves HTTPS (Secure cookie), its live WebSocket (wss)
 * delivers what Paho publishes and refuses other origins, and SIGHUP's reload re-reads the password file.
 */
class HttpsAndLiveFeedTest {

    @TempDir
    static Path dir;
    static ConsoleFixture f;
    static HttpClient https;
    static TestPki pki;

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki(dir, "Tern Console CA");
        TestPki.Issued server = pki.server();
        f = new ConsoleFixture(dir, "certfile " + server.certFile() + "\nkeyfile " + server.keyFile());
        https = HttpClient.newBuilder().sslContext(pki.clientContext(null, "TLS"))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    private static HttpResponse<String> get(String path, String auth) throws Exception {
        return https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + f.httpPort + path))
                .header("Authorization", auth).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void certfileAndKeyfileGiveHttpsWithASecureCookie() throws Exception {
        assertThat(get("/api/v1/broker", ConsoleFixture.basic(ConsoleFixture.ADMIN, ConsoleFixture.ADMIN_PASSWORD))
                .statusCode()).isEqualTo(200);
        HttpResponse<String> login = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + f.httpPort + "/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + ConsoleFixture.ADMIN_PASSWORD
                        + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).contains("Secure"));
        assertThatThrownBy(() -> f.call("GET", "/api/v1/broker", null, null)).as("plain HTTP to the TLS port")
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    void theLiveFeedDeliversPublishesAndRefusesOtherOrigins() throws Exception {
        String auth = ConsoleFixture.basic(ConsoleFixture.ADMIN, ConsoleFixture.ADMIN_PASSWORD);
        URI live = URI.create("wss://127.0.0.1:" + f.httpPort + "/api/v1/live");
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                https.newWebSocketBuilder().header("Authorization", auth).header("Origin", "https://evil.example")
                        .buildAsync(live, new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS));
        assertThat(refused.getCause()).isInstanceOf(WebSocketHandshakeException.class);
        assertThat(((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode()).isEqualTo(403);

        BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        WebSocket ws = https.newWebSocketBuilder().header("Authorization", auth)
                .buildAsync(live, new WebSocket.Listener() {
                    private final StringBuilder part = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        part.append(data);
                        if (last) {
                            frames.add(part.toString());
                            part.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("{\"subscribe\":\"live/#\"}", true).get(10, TimeUnit.SECONDS);
        assertThat(frames.poll(10, TimeUnit.SECONDS)).isEqualTo("{\"subscribed\":\"live/#\"}");
        ws.sendText("{\"subscribe\":\"live/#/x\"}", true).get(10, TimeUnit.SECONDS);
        assertThat(frames.poll(10, TimeUnit.SECONDS)).contains("\"error\":\"bad_request\"");
        MqttClient pub = f.paho("live-pub", true);
        pub.publish("other/topic", "not this".getBytes(StandardCharsets.UTF_8), 0, false);
        pub.publish("live/one", "seen live".getBytes(StandardCharsets.UTF_8), 1, false);
        String batch = frames.poll(10, TimeUnit.SECONDS);
        assertThat(batch).contains("\"topic\":\"live/one\"").contains("\"payload\":\"seen live\"").doesNotContain("other/topic");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        pub.disconnect();
        pub.close();
    }

    @Test
    void reloadRereadsThePasswordFile() throws Exception {
        Path passwd = dir.resolve("passwd");
        String before = Files.readString(passwd);
        try {
            PasswordHasher h = new PasswordHasher(PasswordHasher.Algorithm.SHA512_PBKDF2, 1000);
            assertThat(get("/api/v1/broker", ConsoleFixture.basic(ConsoleFixture.ADMIN, ConsoleFixture.ADMIN_PASSWORD))
                    .statusCode()).isEqualTo(200);
            Files.writeString(passwd, h.entry(ConsoleFixture.ADMIN, "changed".getBytes(StandardCharsets.UTF_8)) + "\n");
            f.broker.reload();
            assertThat(get("/api/v1/broker", ConsoleFixture.basic(ConsoleFixture.ADMIN, ConsoleFixture.ADMIN_PASSWORD))
                    .statusCode()).isEqualTo(401);
            assertThat(get("/api/v1/broker", ConsoleFixture.basic(ConsoleFixture.ADMIN, "changed")).statusCode()).isEqualTo(200);
        } finally {
            Files.writeString(passwd, before);
            f.broker.reload();
        }
    }
}
