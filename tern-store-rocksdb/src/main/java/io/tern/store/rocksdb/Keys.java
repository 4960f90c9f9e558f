package io.tern.store.rocksdb;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Key layouts. Per-client keys start with a two-byte length and the client id's UTF-8 bytes, so one client's
 * keys are a contiguous range that no other client id can fall into. Sequence numbers are big-endian with the
 * sign bit flipped, so byte order is numeric order and a queue iterates oldest first.
 */
final class Keys {

    static final byte[] FORMAT_VERSION = "format-version".getBytes(StandardCharsets.US_ASCII);
    /** Message ids below this value may have been handed out; recovery never reuses them. */
    static final byte[] MESSAGE_ID_RESERVED = "message-id-reserved".getBytes(StandardCharsets.US_ASCII);

    private Keys() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }

    static byte[] messageId(long id) {
        return writeLong(new byte[8], 0, id);
    }

    static long messageId(byte[] key) {
        if (key.length != 8) {
            throw new CorruptRecordException("message key of " + key.length + " bytes");
        }
        return readLong(key, 0);
    }

    /** The range prefix of one client: length + UTF-8 bytes. */
    static byte[] clientPrefix(String clientId) {
        byte[] id = utf8(clientId);
        if (id.length > 0xFFFF) {
            throw new IllegalArgumentException("client id longer than 65535 bytes");
        }
        byte[] k = new byte[2 + id.length];
        k[0] = (byte) (id.length >>> 8);
        k[1] = (byte) id.length;
        System.arraycopy(id, 0, k, 2, id.length);
        return k;
    }

    static byte[] queueKey(byte[] prefix, long seq) {
        byte[] k = Arrays.copyOf(prefix, prefix.length + 8);
        return writeLong(k, prefix.length, seq ^ Long.MIN_VALUE);
    }

    /** Exclusive upper bound of a client's range: above every 8-byte suffix, below every other client. */
    static byte[] clientEnd(byte[] prefix) {
        byte[] k = Arrays.copyOf(prefix, prefix.length + 9);
        Arrays.fill(k, prefix.length, prefix.length + 8, (byte) 0xFF);
        return k;
    }

    static byte[] inboundKey(byte[] prefix, int packetId) {
        byte[] k = Arrays.copyOf(prefix, prefix.length + 2);
        k[prefix.length] = (byte) (packetId >>> 8);
        k[prefix.length + 1] = (byte) packetId;
        return k;
    }

    /** The client id of a per-client key whose suffix has {@code suffixLength} bytes. */
    static String clientOf(byte[] key, int suffixLength) {
        int len = key.length < 2 ? -1 : ((key[0] & 0xFF) << 8) | (key[1] & 0xFF);
        if (len < 0 || key.length != 2 + len + suffixLength) {
            throw new CorruptRecordException("per-client key of " + key.length + " bytes does not match its length");
        }
        return new String(key, 2, len, StandardCharsets.UTF_8);
    }

    static long seqOf(byte[] queueKey) {
        return readLong(queueKey, queueKey.length - 8) ^ Long.MIN_VALUE;
    }

    static int packetIdOf(byte[] inboundKey) {
        int n = inboundKey.length;
        return ((inboundKey[n - 2] & 0xFF) << 8) | (inboundKey[n - 1] & 0xFF);
    }

    /** RocksDB's UInt64AddOperator reads and writes little-endian 64-bit counters. */
    static byte[] counter(long delta) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (delta >>> (8 * i));
        }
        return b;
    }

    static long counter(byte[] value) {
        if (value == null) {
            return 0;
        }
        if (value.length != 8) {
            throw new CorruptRecordException("counter of " + value.length + " bytes");
        }
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (value[i] & 0xFF);
        }
        return v;
    }

    static byte[] int32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    static int int32(byte[] b) {
        if (b.length != 4) {
            throw new CorruptRecordException("4-byte integer stored as " + b.length + " bytes");
        }
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    static byte[] writeLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (56 - 8 * i));
        }
        return b;
    }

    static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    /** Whether {@code key} begins with {@code prefix}. */
    static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
