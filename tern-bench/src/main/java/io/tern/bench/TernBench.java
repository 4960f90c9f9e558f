package io.tern.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tern-bench}: an MQTT load generator in the manner of emqtt-bench. Scenarios:
 * <ul>
 *   <li>{@code conn}: {@code -c} idle connections, reports the connect rate;</li>
 *   <li>{@code pub}: {@code -c} publishers;</li>
 *   <li>{@code sub}: {@code -c} subscribers (publish from another tern-bench);</li>
 *   <li>{@code fanin}: {@code -c} publishers (default 10) on {@code bench/%i} into {@code -n} subscribers of
 *       {@code bench/#};</li>
 *   <li>{@code fanout}: one publisher into {@code -c} subscribers (default 100);</li>
 *   <li>{@code latency}: {@code -c} publishers at a fixed total {@code --rate} (default 1000/s) into
 *       {@code -n} subscribers, end-to-end latency percentiles.</li>
 * </ul>
 * Every payload carries publisher id, sequence number and send time, so each run also counts lost,
 * duplicated and out-of-order messages. Every run is bounded (--duration / --count, then --drain) and a
 * watchdog ends the process if a run overstays its hard limit.
 *
 * <p>Exit status: 0 when the run completed without loss, 1 when messages were lost, duplicated or
 * connections failed, 2 for bad options, 3 when the hard limit struck.
 */
@Command(name = "tern-bench", sortOptions = false, usageHelpAutoWidth = true,
        versionProvider = TernBench.Version.class,
        description = "MQTT load generator: conn, pub, sub, fanin, fanout and latency scenarios with loss, "
                + "duplicate and order accounting.")
public final class TernBench implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SCENARIO",
            description = "conn, pub, sub, fanin, fanout or latency")
    String scenario;

    @Mixin
    BenchParams params = new BenchParams();

    @Option(names = "--help", usageHelp = true, description = "show this help and exit")
    boolean help;

    @Option(names = "--version", versionHelp = true, description = "print the version and exit")
    boolean version;

    @Option(names = "--json", description = "print the result as one JSON object on standard output")
    boolean json;

    @Option(names = "--quiet", description = "no progress line each second")
    boolean quiet;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new TernBench());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // -h is the host, as in mosquitto_pub and emqtt-bench; help is --help only
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try {
            params.scenario = Scenario.valueOf(scenario.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            System.err.println("tern-bench: unknown scenario '" + scenario
                    + "' (conn, pub, sub, fanin, fanout, latency)");
            return 2;
        }
        BenchRun run;
        try {
            run = new BenchRun(params, quiet ? null : System.err);
        } catch (IllegalArgumentException e) {
            System.err.println("tern-bench: " + e.getMessage());
            return 2;
        }
        startWatchdog(params.hardLimitS());
        BenchResult r = run.run();
        PrintStream out = System.out;
        out.print(json ? r.toJson() + System.lineSeparator() : r.toText());
        out.flush();
        boolean bad = r.lost() > 0 || r.duplicates() > 0 || r.connectFailed() > 0 || r.droppedByBroker() > 0;
        return bad ? 1 : 0;
    }

    /** The promise that a run always ends: past the hard limit the process exits, whatever it waits for. */
    private static void startWatchdog(double seconds) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep((long) (seconds * 1000));
                System.err.printf(Locale.ROOT, "tern-bench: hard time limit of %.0f s reached, giving up%n", seconds);
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tern-bench-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** The version from the jar manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TernBench.class.getPackage().getImplementationVersion();
            return new String[] {"tern-bench " + (v != null ? v : "dev")};
        }
    }
}
