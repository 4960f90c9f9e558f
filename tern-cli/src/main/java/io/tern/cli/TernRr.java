package io.tern.cli;

import io.tern.client.MqttMessage;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code tern-rr}: MQTT 5 request / response. Subscribes to the response topic ({@code -e}), publishes the
 * request with that Response Topic, prints the first response and exits; mosquitto_rr's flags and exit codes.
 */
public final class TernRr {

    private TernRr() {
    }

    public static void main(String[] args) {
        ClientSetup.main(run(System.out, System.err, System.in, args));
    }

    /**
     * Runs tern-rr without exiting the JVM.
     *
     * @return the exit code mosquitto_rr would give
     */
    public static int run(PrintStream out, PrintStream err, InputStream in, String... args) {
        CliOptions o;
        try {
            o = ClientSetup.options(Tool.RR, args, out, err);
        } catch (ClientSetup.Exit e) {
            return e.code;
        }
        if (o.pubMode == CliOptions.PubMode.NONE || o.topics.isEmpty() || o.responseTopic == null) {
            err.print("Error: All of topic, message, and response topic must be supplied.\n");
            err.flush();
            out.print(Usage.rr());
            out.flush();
            return 1;
        }
        byte[] payload;
        try {
            payload = switch (o.pubMode) {
                case CMD -> o.message.getBytes(StandardCharsets.UTF_8);
                case FILE -> Files.readAllBytes(Path.of(o.file));
                case STDIN_FILE, STDIN_LINE -> in.readAllBytes();
                default -> new byte[0];
            };
        } catch (IOException e) {
            ClientSetup.errPrint(o, err, "Error: Unable to open file \"" + o.file + "\".\n");
            return 1;
        }
        if (o.msgCount == 0) {
            o.msgCount = 1;
        }
        Properties props = o.publishProps.put(PropertyId.RESPONSE_TOPIC, o.responseTopic).build();
        TernSub.Receiver receiver = new TernSub.Receiver(o, out, err);
        return receiver.run(() -> List.of(new Packet.Subscription(o.responseTopic, o.qos, false, false,
                o.noRetain ? 2 : 0)), () -> receiver.publish(
                MqttMessage.of(o.topics.get(0), payload, o.qos, o.retain, props)));
    }
}
