package io.tern.broker;

import io.netty.channel.Channel;
import io.tern.broker.config.FloodLimits;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code max_connections_per_address} and {@code connection_rate_limit}: checked when a socket is accepted,
 * before any handler (TLS included) is added, so a refused connection costs no handshake. A refused socket is
 * closed at once and the refusal logged once per address and second, as Mosquitto logs {@code max_connections}.
 */
final class ConnectionGate {

    private static final long SECOND = 1_000_000_000L;

    private final long perAddress;
    private final long perSecond;
    private final ConcurrentHashMap<InetAddress, Source> sources = new ConcurrentHashMap<>();

    /** What one source address has open and how many it opened in the current second. */
    private static final class Source {
        int open;
        long windowStart;
        long inWindow;
        long lastLogged;

        Source(long now) {
            windowStart = now - SECOND;
            lastLogged = now - SECOND;
        }
    }

    ConnectionGate(FloodLimits limits) {
        this.perAddress = limits.maxConnectionsPerAddress();
        this.perSecond = limits.connectionRateLimit();
    }

    /** Admits the new channel or closes it; an admitted one is counted until it closes. */
    boolean admit(Channel ch) {
        if (!(ch.remoteAddress() instanceof InetSocketAddress isa) || isa.getAddress() == null) {
            return true;
        }
        InetAddress address = isa.getAddress();
        long now = System.nanoTime();
        String refusal = null;
        Source s;
        while (true) {
            s = sources.computeIfAbsent(address, a -> new Source(now));
            synchronized (s) {
                if (sources.get(address) != s) {
                    continue; // swept away meanwhile: take the new entry
                }
                refusal = check(s, now);
                if (refusal != null && now - s.lastLogged >= SECOND) {
                    s.lastLogged = now;
                    Log.NOTICE.info("Client connection from {} denied: {} reached.", address.getHostAddress(),
                            refusal);
                }
                break;
            }
        }
        if (refusal != null) {
            ch.close();
            return false;
        }
        Source counted = s;
        ch.closeFuture().addListener(f -> {
            synchronized (counted) {
                counted.open--;
            }
        });
        return true;
    }

    /** Counts the connection in, or says which limit refuses it; holding the lock of {@code s}. */
    private String check(Source s, long now) {
        if (now - s.windowStart >= SECOND) {
            s.windowStart = now;
            s.inWindow = 0;
        }
        if (perSecond > 0 && s.inWindow >= perSecond) {
            return "connection_rate_limit " + perSecond;
        }
        if (perAddress > 0 && s.open >= perAddress) {
            return "max_connections_per_address " + perAddress;
        }
        s.inWindow++;
        s.open++;
        return null;
    }

    /** Forgets addresses with nothing open and no recent connection, so the table does not grow without bound. */
    void sweep() {
        long now = System.nanoTime();
        sources.forEach((a, s) -> {
            synchronized (s) {
                if (s.open == 0 && now - s.windowStart >= SECOND) {
                    sources.remove(a, s);
                }
            }
        });
    }
}
