package io.tern.bench;

/**
 * The header every tern-bench payload starts with, so a receiver can tell who sent a message, which one it
 * was and when: run id (4 bytes), publisher id (4), sequence number (8), {@link System#nanoTime()} at send
 * (8), big-endian. The rest of the payload is filler up to the requested size.
 *
 * <p>The run id keeps messages of an earlier or concurrent run (retained, queued for a persistent session)
 * from being counted as this run's duplicates.
 */
public final class Stamp {

    /** Bytes the header takes; payloads are never smaller. */
    public static final int SIZE = 24;

    private Stamp() {
    }

    /** A payload of {@code size} bytes (at least {@link #SIZE}) carrying the header. */
    public static byte[] payload(int size, int runId, int publisherId, long seq, long nanoTime) {
        byte[] b = new byte[Math.max(SIZE, size)];
        putInt(b, 0, runId);
        putInt(b, 4, publisherId);
        putLong(b, 8, seq);
        putLong(b, 16, nanoTime);
        return b;
    }

    /** Whether {@code b} is long enough to carry a header. */
    public static boolean fits(byte[] b) { return b != null && b.length >= SIZE; }

    public static int runId(byte[] b) { return getInt(b, 0); }

    public static int publisherId(byte[] b) { return getInt(b, 4); }

    public static long seq(byte[] b) { return getLong(b, 8); }

    public static long nanoTime(byte[] b) { return getLong(b, 16); }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        putInt(b, at + 4, (int) v);
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    private static long getLong(byte[] b, int at) {
        return (long) getInt(b, at) << 32 | (getInt(b, at + 4) & 0xFFFFFFFFL);
    }
}
