package io.tern.cli;

import io.tern.client.ConnectionListener;
import io.tern.client.ConnectionRefusedException;
import io.tern.client.MessageHandler;
import io.tern.client.MqttClient;
import io.tern.client.ReasonCodes;
import io.tern.client.TlsSettings;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;

import java.io.PrintStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Turns parsed options into a connected {@link MqttClient}, reporting failures with Mosquitto's words and codes. */
final class ClientSetup {

    private ClientSetup() {
    }

    static MqttClient build(CliOptions o, PrintStream out, MessageHandler handler, ConnectionListener listener,
                            boolean reconnect) {
        MqttClient.Builder b = MqttClient.builder()
                .serverUri(o.serverUri())
                .version(o.version)
                .clientId(o.clientId())
                .cleanStart(o.cleanSession)
                .keepAlive(o.keepAlive)
                .maxInflight(o.maxInflight)
                .tcpNoDelay(o.tcpNoDelay)
                .connectTimeout(Duration.ofSeconds(Math.max(10, o.keepAlive)))
                .defaultHandler(handler)
                .connectionListener(listener);
        if (o.version == MqttVersion.MQTT_5) {
            b.connectProperties(o.connectProps.build());
        }
        if (o.username != null || o.password != null) {
            b.credentials(o.username, o.password);
        }
        if (o.willTopic != null) {
            byte[] payload = o.willPayload == null ? new byte[0] : o.willPayload.getBytes(StandardCharsets.UTF_8);
            b.will(new Packet.Will(o.willTopic, payload, o.willQos, o.willRetain,
                    o.version == MqttVersion.MQTT_5 ? o.willProps.build() : io.tern.codec.Properties.EMPTY));
        }
        if (o.bindAddress != null) {
            b.localAddress(o.bindAddress);
        }
        if (o.debug) {
            b.packetTrace(new DebugTrace(out));
        }
        if (o.scheme.equals("ssl") || o.scheme.equals("wss")) {
            b.tls(tls(o));
        }
        if (reconnect) {
            // libmosquitto's loop_forever retries every second, without backoff
            b.automaticReconnect(Duration.ofSeconds(1), Duration.ofSeconds(1));
        }
        return b.build();
    }

    private static TlsSettings tls(CliOptions o) {
        // --tls-version is a minimum, as in libmosquitto (SSL_OP_NO_TLSv1_1 etc.); TLS 1.3 is always allowed
        List<String> protocols = o.tlsVersion == null || !TLS_VERSIONS.contains(o.tlsVersion) ? List.of()
                : switch (o.tlsVersion) {
                    case "tlsv1.3" -> List.of("TLSv1.3");
                    case "tlsv1.2" -> List.of("TLSv1.3", "TLSv1.2");
                    default -> List.of("TLSv1.3", "TLSv1.2", "TLSv1.1");
                };
        List<String> ciphers = o.ciphers == null ? List.of() : List.of(o.ciphers.split(":"));
        if (o.psk != null) {
            // an invalid key is reported by connect(), before any socket is opened
            boolean valid = validPsk(o.psk) && !o.psk.isEmpty();
            return new TlsSettings(null, null, null, null, false, protocols, ciphers, List.of(),
                    valid ? o.pskIdentity : null, valid ? o.psk : null);
        }
        return new TlsSettings(o.cafile == null ? null : Path.of(o.cafile), o.capath == null ? null : Path.of(o.capath),
                o.certfile == null ? null : Path.of(o.certfile), o.keyfile == null ? null : Path.of(o.keyfile),
                o.insecure, protocols, ciphers, o.tlsAlpn == null ? List.of() : List.of(o.tlsAlpn), null, null);
    }

    private static final List<String> TLS_VERSIONS = List.of("tlsv1.3", "tlsv1.2", "tlsv1.1");

    /** libmosquitto's mosquitto_tls_psk_set: hexadecimal digits only (no 0x); an empty key passes this check. */
    private static boolean validPsk(String psk) {
        return psk.chars().allMatch(c -> c < 128 && Character.digit(c, 16) >= 0);
    }

    /**
     * Connects, or prints why not and returns the exit code Mosquitto's tool would: the CONNACK code for a refusal,
     * 1 for a network error.
     */
    static int connect(MqttClient client, CliOptions o, PrintStream err) {
        for (String f : new String[]{o.cafile, o.capath, o.certfile, o.keyfile}) {
            if (f != null && !java.nio.file.Files.exists(Path.of(f))) {
                errPrint(o, err, "Error: Problem setting TLS options: File not found.\n");
                return 1;
            }
        }
        // the order of libmosquitto's client_opts_set: the PSK first, then the TLS version
        if (o.psk != null && !validPsk(o.psk)) {
            errPrint(o, err, "Error: Problem setting TLS-PSK options.\n");
            return 1;
        }
        if (o.tlsVersion != null && !TLS_VERSIONS.contains(o.tlsVersion)) {
            errPrint(o, err, "Error: Problem setting TLS options, check the options are valid.\n");
            return 1;
        }
        if (o.psk != null && o.psk.isEmpty()) {
            // OpenSSL refuses a zero-length key in the handshake; libmosquitto reports that as a TLS error
            errPrint(o, err, "Unable to connect (A TLS error occurred.).\n");
            return 1;
        }
        try {
            client.connect().get(Math.max(10, o.keepAlive) + 5L, TimeUnit.SECONDS);
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (TimeoutException e) {
            errPrint(o, err, "Error: Connection timed out\n");
            return 1;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ConnectionRefusedException r) {
                int code = r.reasonCode();
                if (o.version == MqttVersion.MQTT_5) {
                    if (code == 0x84 && o.tool == Tool.RR) {
                        errPrint(o, err, "Connection error: " + ReasonCodes.describe(code)
                                + ". mosquitto_rr only supports connecting to an MQTT v5 broker\n");
                    } else if (code == 0x84) {
                        errPrint(o, err, "Connection error: " + ReasonCodes.describe(code)
                                + ". Try connecting to an MQTT v5 broker, or use MQTT v3.x mode.\n");
                    } else {
                        errPrint(o, err, "Connection error: " + ReasonCodes.describe(code) + "\n");
                    }
                } else {
                    errPrint(o, err, "Connection error: " + r.getMessage() + "\n");
                }
                if (o.tool == Tool.PUB) {
                    errPrint(o, err, o.version == MqttVersion.MQTT_5
                            ? "Error: A network protocol error occurred when communicating with the broker.\n"
                            : "Error: The connection was refused.\n");
                }
                return code;
            }
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            // libmosquitto: "Error: <strerror>" for a system error, "Unable to connect (<its own text>)." otherwise
            if (root instanceof UnknownHostException) {
                errPrint(o, err, "Unable to connect (Lookup error.).\n");
            } else if (String.valueOf(cause.getMessage()).startsWith("TLS ")) {
                errPrint(o, err, "Unable to connect (A TLS error occurred.).\n");
            } else if (root instanceof ConnectException) {
                errPrint(o, err, "Error: Connection refused\n");
            } else {
                errPrint(o, err, "Error: " + cause.getMessage() + "\n");
            }
            return 1;
        }
    }

    /** Mosquitto's {@code err_printf}: silent under --quiet. */
    static void errPrint(CliOptions o, PrintStream err, String s) {
        if (!o.quiet) {
            err.print(s);
            err.flush();
        }
    }

    /** The tool must exit with {@link #code} before doing anything (a flag error, or --help). */
    static final class Exit extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        Exit(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    /**
     * Parses a tool's flags as Mosquitto's clients do: a flag error is printed with the usage hint, --help prints
     * the usage; both end the tool with exit code 1.
     */
    static CliOptions options(Tool tool, String[] args, PrintStream out, PrintStream err) throws Exit {
        CliOptions o;
        try {
            o = CliOptions.parse(tool, args);
        } catch (CliError e) {
            throw new Exit(usageError(e, tool, err));
        }
        if (o.help) {
            out.print(switch (tool) {
                case PUB -> Usage.pub();
                case SUB -> Usage.sub();
                case RR -> Usage.rr();
            });
            out.flush();
            throw new Exit(1);
        }
        return o;
    }

    /** A tool's main(): runs it on the process's streams and exits with its code. */
    static void main(int rc) {
        System.out.flush();
        System.exit(rc);
    }

    /** Prints a parse error the way Mosquitto's main() does, and returns its exit code (1). */
    static int usageError(CliError e, Tool tool, PrintStream err) {
        err.print(e.getMessage());
        if (e.useLine) {
            err.print("\nUse '" + tool.command + " --help' to see usage.\n");
        }
        err.flush();
        return 1;
    }
}
