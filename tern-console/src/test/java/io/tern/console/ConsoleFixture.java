package io.tern.console;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.tern.broker.Broker;
import io.tern.broker.config.ConfigParser;
import io.tern.broker.security.PasswordHasher;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real broker with an MQTT listener and an http listener, started from a mosquitto.conf as {@code bin/tern}
 * would: users {@code admin} (in http_admin_users) and {@code bob} (not), an ACL, and an HTTP client.
 */
final class ConsoleFixture implements AutoCloseable {

    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "s3cret";
    static final String BOB = "bob";
    static final String BOB_PASSWORD = "bobpw";

    final Broker broker;
    final int mqttPort;
    final int httpPort;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final LogLines log = new LogLines();

    /** A broker from {@code extra} config lines added to the defaults (mqtt + http listener, passwords, ACL). */
    ConsoleFixture(Path dir, String extra) throws Exception {
        PasswordHasher h = new PasswordHasher(PasswordHasher.Algorithm.SHA512_PBKDF2, 1000);
        Files.writeString(dir.resolve("passwd"), h.entry(ADMIN, ADMIN_PASSWORD.getBytes(StandardCharsets.UTF_8)) + "\n"
                + h.entry(BOB, BOB_PASSWORD.getBytes(StandardCharsets.UTF_8)) + "\n"
                + h.entry("sensor", "sensorpw".getBytes(StandardCharsets.UTF_8)) + "\n");
        Files.writeString(dir.resolve("acl"), String.join("\n",
                "topic readwrite #",
                "user admin", "topic readwrite #", "topic deny forbidden/#",
                "user bob", "topic readwrite #",
                "user sensor", "topic readwrite sensors/#", ""));
        mqttPort = freePort();
        httpPort = freePort();
        String conf = String.join("\n",
                "per_listener_settings false",
                "allow_anonymous true",
                "password_file passwd",
                "acl_file acl",
                "listener " + mqttPort + " 127.0.0.1",
                "listener " + httpPort + " 127.0.0.1",
                "protocol http",
                "http_admin_users " + ADMIN,
                extra, "");
        Path file = dir.resolve("mosquitto.conf");
        Files.writeString(file, conf);
        broker = Broker.builder().config(ConfigParser.parse(file).workingDirectory(dir)).build().start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a request; {@code auth} is an Authorization header value or null; {@code json} a body or null. */
    HttpResponse<String> call(String method, String path, String auth, String json, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(15));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> admin(String method, String path, String json) throws IOException, InterruptedException {
        return call(method, path, basic(ADMIN, ADMIN_PASSWORD), json);
    }

    /** A connected Paho v3 client; {@code clean} false keeps its session. */
    MqttClient paho(String clientId, boolean clean) throws Exception {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + mqttPort, clientId, new MemoryPersistence());
        c.setTimeToWait(10_000);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setAutomaticReconnect(false);
        o.setConnectionTimeout(10);
        c.connect(o);
        return c;
    }

    @Override
    public void close() {
        broker.close();
        log.close();
    }

    /** What the broker logs under {@code tern.*} at information level and above. */
    static final class LogLines extends AppenderBase<ILoggingEvent> implements AutoCloseable {
        private final Logger logger = (Logger) LoggerFactory.getLogger("tern");
        private final Level level = logger.getLevel();
        final List<String> lines = new CopyOnWriteArrayList<>();

        LogLines() {
            setContext(logger.getLoggerContext());
            start();
            logger.addAppender(this);
            logger.setLevel(Level.INFO);
            logger.setAdditive(false);
        }

        @Override
        protected void append(ILoggingEvent e) {
            lines.add(e.getFormattedMessage());
        }

        void await(String line) {
            Awaitility.await("log line '" + line + "'").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20)).until(() -> lines.stream().anyMatch(l -> l.contains(line)));
        }

        @Override
        public void close() {
            logger.detachAppender(this);
            logger.setLevel(level);
            logger.setAdditive(true);
            stop();
        }
    }
}
