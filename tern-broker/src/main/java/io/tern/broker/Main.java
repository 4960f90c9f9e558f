package io.tern.broker;

import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ConfigException;
import io.tern.broker.config.ConfigParser;
import io.tern.broker.config.ConfigProblem;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.config.LogDestination;
import io.tern.broker.config.LogType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code tern}: the broker's command line, with Mosquitto's flags. */
@Command(name = "tern", sortOptions = false, usageHelpAutoWidth = true,
        description = "Tern is an MQTT 3.1 / 3.1.1 / 5.0 broker that reads mosquitto.conf.",
        footer = "%nSee README.md for the configuration options.")
public final class Main implements Callable<Integer> {

    @Option(names = {"-c", "--config-file"}, paramLabel = "FILE",
            description = "Read the configuration from FILE (mosquitto.conf format). Without it Tern listens "
                    + "on localhost port 1883 only and allows anonymous clients, as Mosquitto 2.0 does.")
    Path configFile;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT",
            description = "Listen on PORT instead of 1883 (repeatable). Without -c the socket is bound to "
                    + "localhost only.")
    List<Integer> ports = new ArrayList<>();

    @Option(names = {"-v", "--verbose"}, description = "Log everything (log_type all) to the terminal.")
    boolean verbose;

    @Option(names = {"-d", "--daemon"}, description = "Not supported: run Tern under systemd or a supervisor.")
    boolean daemon;

    @Option(names = "--test-config",
            description = "Check the configuration, report every problem and exit 0 (valid) or 1, without listening.")
    boolean testConfig;

    @Option(names = "--check-store", paramLabel = "DIR",
            description = "Check the persistence store DIR (stopped broker) and report; exit 0 when consistent.")
    Path checkStore;

    @Option(names = "--repair-store", paramLabel = "DIR",
            description = "Repair what can be repaired in the persistence store DIR (stopped broker) and report.")
    Path repairStore;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private final PrintWriter err;
    private final CountDownLatch stopped = new CountDownLatch(1);

    Main(PrintWriter err) {
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line; returns the exit code. Blocks while the broker runs. */
    public static int run(String... args) {
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(new Main(err));
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("Error: " + ex.getMessage());
            err.println("Use 'tern --help' to see usage.");
            return 3;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (daemon) {
            err.println("Error: -d (daemon) is not supported; run tern under systemd or another supervisor.");
            return 3;
        }
        if (checkStore != null || repairStore != null) {
            return store(checkStore != null ? checkStore : repairStore, repairStore != null);
        }
        BrokerConfig config;
        if (configFile != null) {
            List<ConfigProblem> problems = new ArrayList<>(ConfigParser.check(configFile));
            if (problems.isEmpty()) {
                config = ConfigParser.parse(configFile);
                problems.addAll(Capabilities.unsupported(config));
            } else {
                config = null;
            }
            if (!problems.isEmpty()) {
                for (ConfigProblem p : problems) {
                    err.println("Error: " + p);
                }
                return 1;
            }
        } else {
            config = new BrokerConfig();
        }
        for (int port : ports) {
            if (port < 1 || port > 65535) {
                err.println("Error: invalid port " + port + ".");
                return 3;
            }
            config.addListener(configFile == null ? ListenerConfig.localOnly(port) : new ListenerConfig(port));
        }
        if (configFile == null && !ports.isEmpty()) {
            // Mosquitto 2.0: "-p" without a config file stays in local-only mode, anonymous allowed
            config.allowAnonymous(true);
        }
        if (testConfig) {
            java.util.Set<String> fileProblems = checkFiles(config);
            for (String p : fileProblems) {
                err.println("Error: " + p);
            }
            if (!fileProblems.isEmpty()) {
                return 1;
            }
            err.println((configFile != null ? configFile : "(no configuration file)") + ": configuration is valid.");
            return 0;
        }
        configureLogging(config);
        Broker broker = Broker.builder().config(config).build();
        try {
            broker.start();
        } catch (IOException e) {
            Log.ERROR.error("Error: {}", e.getMessage());
            broker.close();
            return 1;
        }
        LogSetup.publishTo(broker);
        reloadOnHangup(broker);
        Path pid = config.pidFile() != null ? config.resolve(config.pidFile()) : null;
        if (pid != null) {
            Files.writeString(pid, ProcessHandle.current().pid() + "\n");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            if (pid != null) {
                try {
                    Files.deleteIfExists(pid);
                } catch (IOException e) {
                    // best effort
                }
            }
            stopped.countDown();
        }, "tern-shutdown"));
        stopped.await();
        return 0;
    }

    /** The files the configuration names (password, ACL, PSK), read as start-up would read them. */
    private static java.util.Set<String> checkFiles(BrokerConfig config) {
        java.util.Set<String> problems = new java.util.LinkedHashSet<>();
        for (ListenerConfig l : config.effectiveListeners()) {
            try {
                ListenerSecurity.load(config, l);
            } catch (IOException e) {
                problems.add(e.getMessage());
            }
            if (l.protocol() == io.tern.broker.config.ListenerProtocol.HTTP
                    && java.util.ServiceLoader.load(io.tern.broker.extension.BrokerExtension.class).stream()
                            .map(java.util.ServiceLoader.Provider::get)
                            .noneMatch(e -> e.enabledBy(config) && e.pipeline(l) != null)) {
                problems.add(Broker.unserved(l));
            }
            String psk = config.security(l).pskFile();
            if (l.usesPsk() && psk != null) {
                try {
                    io.tern.broker.transport.PskFile.load(config.resolve(psk));
                } catch (RuntimeException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        for (io.tern.broker.extension.BrokerExtension e
                : java.util.ServiceLoader.load(io.tern.broker.extension.BrokerExtension.class)) {
            if (e.enabledBy(config)) {
                try {
                    e.check(config);
                } catch (IOException ex) {
                    problems.add(ex.getMessage());
                }
            }
        }
        return problems;
    }

    private int store(Path dir, boolean repair) {
        java.util.Optional<io.tern.broker.store.StoreFactory> factory =
                java.util.ServiceLoader.load(io.tern.broker.store.StoreFactory.class).findFirst();
        if (factory.isEmpty()) {
            err.println("Error: no store engine (tern-store-rocksdb) on the class path.");
            return 1;
        }
        try {
            String report = repair ? factory.get().repair(dir) : factory.get().check(dir);
            System.out.println(report);
            String[] lines = report.strip().split("\n");
            return lines[lines.length - 1].startsWith("OK") ? 0 : 1;
        } catch (io.tern.broker.store.StoreException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        }
    }

    /** SIGHUP re-reads the password, ACL and TLS files, as it makes Mosquitto do. */
    private static void reloadOnHangup(Broker broker) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> reload(broker));
        } catch (IllegalArgumentException e) {
            // no SIGHUP here (Windows), or the JVM keeps it for itself (-Xrs)
            Log.WARNING.warn("Warning: SIGHUP will not reload the configuration: {}", e.getMessage());
        }
    }

    /** One reload; a bad file is reported with its name and line and the files in force stay in force. */
    static void reload(Broker broker) {
        try {
            broker.reload();
        } catch (IOException | RuntimeException e) {
            Log.ERROR.error("Error: {}", e.getMessage());
            Log.ERROR.error("Error: reload failed; the previous password, ACL and TLS files stay in force.");
        }
    }

    private void configureLogging(BrokerConfig config) {
        Set<String> types = new LinkedHashSet<>();
        if (verbose) {
            types.add("all");
        } else {
            for (LogType t : config.logType()) {
                types.add(t.configName());
            }
        }
        Set<String> dests = new LinkedHashSet<>();
        if (verbose) {
            dests.add("stderr");
        }
        for (LogDestination d : config.logDest()) {
            switch (d) {
                case STDOUT -> dests.add("stdout");
                case STDERR -> dests.add("stderr");
                case FILE -> dests.add("file:" + config.resolve(config.logFile()));
                case TOPIC -> dests.add("topic");
            }
        }
        if (dests.isEmpty() && !config.locationOf("log_dest").isPresent()) {
            dests.add("stderr");
        }
        LogSetup.apply(types, new ArrayList<>(dests), config.logTimestamp(), config.logTimestampFormat());
    }
}
