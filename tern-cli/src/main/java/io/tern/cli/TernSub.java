package io.tern.cli;

import io.tern.client.MqttClient;
import io.tern.client.MqttMessage;
import io.tern.client.SubscribeResult;
import io.tern.client.TopicFilter;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** {@code tern-sub}: subscribes and prints messages; mosquitto_sub's flags, output formats and exit codes. */
public final class TernSub {

    /** mosquitto_sub's exit code for -W expiring (MOSQ_ERR_TIMEOUT). */
    static final int TIMED_OUT = 27;

    private TernSub() {
    }

    public static void main(String[] args) {
        ClientSetup.main(run(System.out, System.err, System.in, args));
    }

    /**
     * Runs tern-sub without exiting the JVM; returns when it would exit.
     *
     * @return the exit code mosquitto_sub would give
     */
    public static int run(PrintStream out, PrintStream err, InputStream in, String... args) {
        CliOptions o;
        try {
            o = ClientSetup.options(Tool.SUB, args, out, err);
        } catch (ClientSetup.Exit e) {
            return e.code;
        }
        return new Receiver(o, out, err).run(() -> subscriptions(o));
    }

    static List<Packet.Subscription> subscriptions(CliOptions o) {
        List<Packet.Subscription> subs = new ArrayList<>();
        for (String t : o.topics) {
            subs.add(new Packet.Subscription(t, o.qos, false, o.retainAsPublished, o.noRetain ? 2 : 0));
        }
        return subs;
    }

    /**
     * The receiving half shared with tern-rr: mosquitto_sub's on_message rules (-R, -T, --retained-only,
     * --remove-retained, -C) and exit handling (-E, -W).
     */
    static final class Receiver {
        private final CliOptions o;
        private final PrintStream out;
        private final PrintStream err;
        private final MessagePrinter printer;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();
        private final List<CompletableFuture<Void>> removals = new ArrayList<>();
        private volatile boolean processing = true;
        private int count;
        private MqttClient client;

        Receiver(CliOptions o, PrintStream out, PrintStream err) {
            this.o = o;
            this.out = out;
            this.err = err;
            this.printer = new MessagePrinter(o, out, err);
        }

        /** Connects, subscribes, and runs until done; {@code afterSubscribe} lets tern-rr publish its request. */
        int run(java.util.function.Supplier<List<Packet.Subscription>> subs) {
            return run(subs, null);
        }

        int run(java.util.function.Supplier<List<Packet.Subscription>> subs, Runnable afterSubscribe) {
            client = ClientSetup.build(o, out, this::onMessage, null, o.tool == Tool.SUB);
            try {
                int rc = ClientSetup.connect(client, o, err);
                if (rc != 0) {
                    return rc;
                }
                Properties subProps = o.version == MqttVersion.MQTT_5 ? o.subscribeProps.build() : Properties.EMPTY;
                SubscribeResult r = client.subscribe(subs.get(), subProps, this::onMessage).get(30, TimeUnit.SECONDS);
                if (o.debug && !o.quiet) {
                    out.print("Subscribed (mid: " + r.packetId() + "): "
                            + r.reasonCodes().stream().map(String::valueOf).collect(Collectors.joining(", ")) + "\n");
                    out.flush();
                }
                if (!o.unsubTopics.isEmpty()) {
                    client.unsubscribe(o.unsubTopics,
                            o.version == MqttVersion.MQTT_5 ? o.unsubscribeProps.build() : Properties.EMPTY);
                }
                if (o.exitAfterSub) {
                    finish(0);
                }
                if (afterSubscribe != null) {
                    afterSubscribe.run();
                }
                int code;
                try {
                    code = o.timeout > 0 ? exit.get(o.timeout, TimeUnit.SECONDS) : exit.get();
                } catch (TimeoutException e) {
                    processing = false;
                    ClientSetup.errPrint(o, err, "Timed out\n");
                    code = TIMED_OUT;
                }
                for (CompletableFuture<Void> f : removals) {
                    f.get(30, TimeUnit.SECONDS);
                }
                client.disconnect(0, o.version == MqttVersion.MQTT_5 ? o.disconnectProps.build() : Properties.EMPTY)
                        .get(30, TimeUnit.SECONDS);
                return code;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            } catch (ExecutionException | TimeoutException e) {
                Throwable c = e instanceof ExecutionException ? e.getCause() : e;
                ClientSetup.errPrint(o, err, "Error: " + c.getMessage() + "\n");
                return 1;
            } finally {
                client.close();
            }
        }

        /** Publishes (tern-rr's request); a failure ends the run with exit code 1. */
        void publish(MqttMessage m) {
            client.publish(m).whenComplete((v, t) -> {
                if (t != null) {
                    ClientSetup.errPrint(o, err, "Error: " + t.getMessage() + "\n");
                    finish(1);
                }
            });
        }

        private void finish(int code) {
            processing = false;
            exit.complete(code);
        }

        /** On the client's I/O thread, in arrival order. */
        private void onMessage(MqttMessage m) {
            if (!processing) {
                return;
            }
            if (o.retainedOnly && !m.retain()) {
                finish(0);
                return;
            }
            if (m.retain() && o.noRetain) {
                return;
            }
            for (String f : o.filterOuts) {
                if (TopicFilter.matches(f, m.topic())) {
                    return;
                }
            }
            if (o.removeRetained && m.retain()) {
                removals.add(client.publish(m.topic(), new byte[0], 1, true));
            }
            printer.print(m);
            if (o.msgCount > 0 && ++count == o.msgCount) {
                finish(0);
            }
        }
    }
}
