package io.tern.console;

import io.tern.broker.Log;
import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.config.SecurityOptions;
import io.tern.broker.security.AclFile;
import io.tern.broker.security.Authorizer;
import io.tern.broker.security.PasswordFile;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Who may use one http listener: the users named by {@code http_admin_users}, checked against the listener's
 * {@code password_file} (HTTP Basic for the API, a login form and a session cookie for the console). A listener
 * without a password file answers loopback addresses only, and everyone there is an administrator.
 *
 * <p>Password hashes are slow on purpose (PBKDF2, 210,000 iterations), so checks run on a small executor, never
 * on an event loop, and a successful check is remembered for a few minutes by a SHA-256 of the password.
 */
final class ConsoleAccess {

    /** The user name loopback clients act as when the listener has no password file. */
    static final String LOCAL_USER = "(local)";
    /** The client id the admin user's ACL is checked with. */
    static final String CLIENT_ID = "tern-console";
    static final long SESSION_IDLE_MILLIS = TimeUnit.HOURS.toMillis(8);
    static final int MAX_LOGINS = 10_000;
    private static final long CACHE_MILLIS = TimeUnit.MINUTES.toMillis(5);

    /** A logged-in browser: its cookie value, its CSRF token, who it is. */
    record Login(String id, String csrf, String user, long[] lastUsed) {
    }

    /** The result of checking credentials. */
    enum Verdict { ADMIN, NOT_ADMIN, BAD_CREDENTIALS }

    private final ListenerConfig listener;
    private final List<String> admins;
    private volatile PasswordFile passwords;
    private volatile Authorizer acl;
    private final Map<String, Login> logins = new ConcurrentHashMap<>();
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
    private final Map<String, Long> verifiedAt = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService hashing;

    ConsoleAccess(BrokerConfig config, ListenerConfig listener) throws IOException {
        this.listener = listener;
        this.admins = config.http().adminUsers();
        this.hashing = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1000), r -> {
            Thread t = new Thread(r, "tern-console-auth");
            t.setDaemon(true);
            return t;
        });
        reload(config);
    }

    /** Re-reads the password and ACL files (SIGHUP); remembered passwords are forgotten. */
    void reload(BrokerConfig config) throws IOException {
        SecurityOptions s = config.security(listener);
        PasswordFile p = s.passwordFile() == null ? null : PasswordFile.load(config.resolve(s.passwordFile()));
        Authorizer a = s.aclFile() == null ? Authorizer.allowAll() : AclFile.load(config.resolve(s.aclFile()));
        passwords = p;
        acl = a;
        verified.clear();
        verifiedAt.clear();
    }

    /** Logs how this listener is protected, once at start. */
    void describe(int port) {
        if (passwords == null) {
            Log.NOTICE.info("HTTP listener on port {} has no password_file: the console, API and metrics answer "
                    + "loopback addresses only.", port);
        } else if (admins.isEmpty()) {
            Log.WARNING.warn("HTTP listener on port {} has a password_file but http_admin_users names nobody: "
                    + "nobody can log in.", port);
        } else {
            Log.NOTICE.info("HTTP listener on port {}: console and API for {} (users of {}).", port,
                    String.join(", ", admins), passwords.source());
        }
    }

    boolean open() {
        return passwords == null;
    }

    /**
     * Whether a connection from {@code peer} may be served at all: always with a password file, else only from
     * a loopback address.
     */
    boolean admits(InetAddress peer) {
        return passwords != null || (peer != null && peer.isLoopbackAddress());
    }

    Authorizer acl() {
        return acl;
    }

    /** Checks a user and password off the event loop. */
    CompletableFuture<Verdict> check(String user, String password) {
        PasswordFile p = passwords;
        if (p == null) {
            return CompletableFuture.completedFuture(Verdict.ADMIN);
        }
        byte[] digest = sha256(user + "\0" + password);
        byte[] known = verified.get(user);
        Long at = verifiedAt.get(user);
        if (known != null && at != null && System.currentTimeMillis() - at < CACHE_MILLIS
                && MessageDigest.isEqual(known, digest)) {
            return CompletableFuture.completedFuture(admins.contains(user) ? Verdict.ADMIN : Verdict.NOT_ADMIN);
        }
        return CompletableFuture.supplyAsync(() -> {
            if (!p.check(user, password.getBytes(StandardCharsets.UTF_8))) {
                return Verdict.BAD_CREDENTIALS;
            }
            verified.put(user, digest);
            verifiedAt.put(user, System.currentTimeMillis());
            return admins.contains(user) ? Verdict.ADMIN : Verdict.NOT_ADMIN;
        }, hashing);
    }

    /** Starts a browser session for an administrator. */
    Login login(String user) {
        expireLogins();
        if (logins.size() >= MAX_LOGINS) {
            // bounded: the oldest-used session goes first
            logins.values().stream().min(java.util.Comparator.comparingLong(x -> x.lastUsed()[0]))
                    .ifPresent(x -> logins.remove(x.id()));
        }
        Login l = new Login(token(), token(), user, new long[] {System.currentTimeMillis()});
        logins.put(l.id(), l);
        return l;
    }

    /** The session a cookie names, if it is still valid. */
    Login session(String cookieValue) {
        if (cookieValue == null) {
            return null;
        }
        Login l = logins.get(cookieValue);
        if (l == null) {
            return null;
        }
        long now = System.currentTimeMillis();
        if (now - l.lastUsed()[0] > SESSION_IDLE_MILLIS) {
            logins.remove(cookieValue);
            return null;
        }
        l.lastUsed()[0] = now;
        return l;
    }

    void logout(String cookieValue) {
        if (cookieValue != null) {
            logins.remove(cookieValue);
        }
    }

    /** Whether a state-changing request of a browser session carries its CSRF token (constant-time compare). */
    static boolean csrfMatches(Login l, String header) {
        return header != null && MessageDigest.isEqual(l.csrf().getBytes(StandardCharsets.US_ASCII),
                header.getBytes(StandardCharsets.US_ASCII));
    }

    void stop() {
        hashing.shutdownNow();
        logins.clear();
    }

    private void expireLogins() {
        long now = System.currentTimeMillis();
        logins.values().removeIf(l -> now - l.lastUsed()[0] > SESSION_IDLE_MILLIS);
    }

    private String token() {
        byte[] b = new byte[24];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
