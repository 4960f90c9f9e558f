package io.tern.dynsec;

import io.tern.broker.Log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One dynamic-security configuration file and the clients, groups and roles in it: the model behind every front
 * door. Requests run one at a time on a thread of their own (password hashing is slow and must not run on an
 * event loop); after each command that changes something, the file is saved atomically and a new
 * {@link Snapshot} is published, which the ACL and password checks on the event loops read without locking, so
 * a change applies to the very next message; then the clients the plugin would disconnect are disconnected.
 */
public final class DynamicSecurity implements AutoCloseable {

    /** The topic Mosquitto's plugin listens on. */
    public static final String TOPIC = "$CONTROL/dynamic-security/v1";
    /** Where the answers are published. */
    public static final String RESPONSE_TOPIC = TOPIC + "/response";

    private final Path file;
    private final Model model;
    private final Consumer<Set<Optional<String>>> kicker;
    private volatile Snapshot snapshot;
    private final ExecutorService thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(10_000), r -> {
                Thread t = new Thread(r, "tern-dynsec");
                t.setDaemon(true);
                return t;
            });

    private DynamicSecurity(Path file, Model model, Consumer<Set<Optional<String>>> kicker) {
        this.file = file;
        this.model = model;
        this.kicker = kicker;
        this.snapshot = model.snapshot();
    }

    /**
     * Loads a dynamic-security JSON file.
     *
     * @param kicker disconnects the clients with these usernames (an empty Optional: every client without one)
     * @throws IOException naming the file and what is wrong with it
     */
    public static DynamicSecurity open(Path file, Consumer<Set<Optional<String>>> kicker) throws IOException {
        return open(file, io.tern.broker.security.PasswordHasher.DEFAULT_ITERATIONS, kicker);
    }

    /**
     * As {@link #open(Path, Consumer)}, hashing the passwords set through the API with {@code passwordIterations}
     * PBKDF2 iterations ({@code plugin_opt_password_iterations}; Mosquitto's plugin uses 101).
     */
    public static DynamicSecurity open(Path file, int passwordIterations, Consumer<Set<Optional<String>>> kicker)
            throws IOException {
        Model m = ModelFile.load(file);
        m.passwordIterations = passwordIterations;
        Log.INFO.info("Dynamic security: {} clients, {} groups and {} roles from {}.", m.clients.size(),
                m.groups.size(), m.roles.size(), file);
        return new DynamicSecurity(file, m, kicker);
    }

    /** The file this configuration lives in. */
    public Path file() {
        return file;
    }

    /**
     * Runs a control request (the JSON of {@code $CONTROL/dynamic-security/v1}) as the given administrator and
     * completes with the JSON answer. The front door for MQTT and any other (REST): one implementation.
     */
    public CompletableFuture<String> execute(byte[] request, String adminClientId, String adminUsername) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Json.MAPPER.writeValueAsString(
                        ControlApi.execute(request, model, adminClientId, adminUsername, effects));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot print a JSON tree", e);
            }
        }, thread);
    }

    /** As {@link #execute(byte[], String, String)} with a string request. */
    public CompletableFuture<String> execute(String request, String adminClientId, String adminUsername) {
        return execute(request.getBytes(StandardCharsets.UTF_8), adminClientId, adminUsername);
    }

    private final ControlApi.Effects effects = new ControlApi.Effects() {
        @Override
        public void changed() throws IOException {
            snapshot = model.snapshot();
            ModelFile.save(model, file);
        }

        @Override
        public void kick(Set<Optional<String>> usernames) {
            kicker.accept(usernames);
        }
    };

    /** What the checks read: the state after the last completed command. */
    Snapshot snapshot() {
        return snapshot;
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
