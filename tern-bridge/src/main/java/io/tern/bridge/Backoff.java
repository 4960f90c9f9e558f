package io.tern.bridge;

import io.tern.broker.config.BridgeConfig;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a bridge waits before its next connection attempt ({@code restart_timeout}): a constant with one
 * value, and with {@code BASE CAP} (or Mosquitto's default 5..30 s) the "decorrelated jitter" of Mosquitto's
 * src/bridge.c: each wait is random between the base and three times the previous one, at most the cap, and
 * back to the base once a connection succeeds.
 */
final class Backoff {

    private final int constant;
    private final int base;
    private final int cap;
    private int current;

    Backoff(BridgeConfig cfg) {
        this.cap = cfg.backoffCap();
        this.base = cfg.backoffBase();
        this.constant = cap == 0 ? Math.max(1, cfg.restartTimeout()) : 0;
        this.current = cfg.restartTimeout();
    }

    /** The wait before the next attempt, in milliseconds. */
    long nextMillis() {
        if (cap == 0) {
            return constant * 1000L;
        }
        int high = Math.max(base + 1, current * 3);
        current = Math.min(cap, ThreadLocalRandom.current().nextInt(base, high));
        return current * 1000L;
    }

    /** A connection succeeded. */
    void reset() {
        current = base;
    }
}
