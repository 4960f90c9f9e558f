package io.tern.cli;

import io.tern.client.MqttClient;
import io.tern.client.MqttClientException;
import io.tern.client.MqttMessage;
import io.tern.codec.MqttVersion;
import io.tern.codec.Properties;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** {@code tern-pub}: publishes one message (or one per stdin line) and exits; mosquitto_pub's flags and codes. */
public final class TernPub {

    private TernPub() {
    }

    public static void main(String[] args) {
        ClientSetup.main(run(System.out, System.err, System.in, args));
    }

    /**
     * Runs tern-pub without exiting the JVM.
     *
     * @return the exit code mosquitto_pub would give
     */
    public static int run(PrintStream out, PrintStream err, InputStream in, String... args) {
        CliOptions o;
        try {
            o = ClientSetup.options(Tool.PUB, args, out, err);
        } catch (ClientSetup.Exit e) {
            return e.code;
        }
        if (o.pubMode == CliOptions.PubMode.NONE || o.topics.isEmpty()) {
            err.print("Error: Both topic and message must be supplied.\n");
            err.flush();
            out.print(Usage.pub());
            out.flush();
            return 1;
        }
        byte[] payload = null;
        try {
            switch (o.pubMode) {
                case CMD -> payload = o.message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                case NULL -> payload = new byte[0];
                case FILE -> {
                    Path p = Path.of(o.file);
                    if (!Files.isReadable(p) || Files.isDirectory(p)) {
                        ClientSetup.errPrint(o, err, "Error: Unable to open file \"" + o.file + "\".\n");
                        ClientSetup.errPrint(o, err, "Error loading input file \"" + o.file + "\".\n");
                        return 1;
                    }
                    payload = Files.readAllBytes(p);
                }
                case STDIN_FILE -> payload = in.readAllBytes();
                default -> {
                }
            }
        } catch (IOException e) {
            ClientSetup.errPrint(o, err, "Error: " + e.getMessage() + "\n");
            return 1;
        }
        MqttClient client = ClientSetup.build(o, out, null, null, false);
        try {
            int rc = ClientSetup.connect(client, o, err);
            if (rc != 0) {
                return rc;
            }
            Properties props = o.version == MqttVersion.MQTT_5 ? o.publishProps.build() : Properties.EMPTY;
            String topic = o.topics.get(0);
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            if (o.pubMode == CliOptions.PubMode.STDIN_LINE) {
                for (byte[] line : lines(in)) {
                    sent.add(client.publish(MqttMessage.of(topic, line, o.qos, o.retain, props)));
                    if (!client.isConnected()) {
                        break;
                    }
                }
            } else {
                for (int i = 0; i < o.repeatCount; i++) {
                    if (i > 0 && o.repeatDelaySeconds > 0) {
                        // the user asked for this pause between publishes
                        Thread.sleep((long) (o.repeatDelaySeconds * 1000));
                    }
                    sent.add(client.publish(MqttMessage.of(topic, payload, o.qos, o.retain, props)));
                }
            }
            int result = 0;
            for (CompletableFuture<Void> f : sent) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof MqttClientException m && m.reasonCode() >= 0x80) {
                        ClientSetup.errPrint(o, err, "Warning: Publish failed: " + c.getMessage() + ".\n");
                    } else {
                        ClientSetup.errPrint(o, err, "Error: " + c.getMessage() + "\n");
                        result = 1;
                    }
                }
            }
            client.disconnect(0, o.version == MqttVersion.MQTT_5 ? o.disconnectProps.build() : Properties.EMPTY)
                    .get();
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (ExecutionException e) {
            ClientSetup.errPrint(o, err, "Error: " + e.getMessage() + "\n");
            return 1;
        } finally {
            client.close();
        }
    }

    /** Lines of standard input without their '\n' (a '\r' stays, as in mosquitto_pub); the last may lack one. */
    private static Iterable<byte[]> lines(InputStream in) {
        return () -> new java.util.Iterator<>() {
            private byte[] next;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (next == null && !done) {
                    next = readLine();
                    done = next == null;
                }
                return next != null;
            }

            @Override
            public byte[] next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                byte[] l = next;
                next = null;
                return l;
            }

            private byte[] readLine() {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                try {
                    int c;
                    while ((c = in.read()) >= 0) {
                        if (c == '\n') {
                            return b.toByteArray();
                        }
                        b.write(c);
                    }
                } catch (IOException e) {
                    return null;
                }
                return b.size() > 0 ? b.toByteArray() : null;
            }
        };
    }
}
