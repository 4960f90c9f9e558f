package io.tern.store.rocksdb;

import java.nio.charset.StandardCharsets;

/** Reads what {@link ByteWriter} wrote; any overrun or impossible length is a {@link CorruptRecordException}. */
final class ByteReader {

    private final byte[] buf;
    private int pos;

    ByteReader(byte[] buf) {
        this.buf = buf;
    }

    int u8() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    int u16() {
        need(2);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    int i32() {
        need(4);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    long i64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new CorruptRecordException("varint longer than 10 bytes");
    }

    /** A varint that must be a count or length no larger than {@code max}. */
    int count(int max) {
        long v = varint();
        if (v < 0 || v > max) {
            throw new CorruptRecordException("count " + v + " out of range (max " + max + ")");
        }
        return (int) v;
    }

    byte[] bytes() {
        int n = count(buf.length - pos);
        byte[] b = new byte[n];
        System.arraycopy(buf, pos, b, 0, n);
        pos += n;
        return b;
    }

    String string() {
        int n = count(buf.length - pos);
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** Whether bytes are left to read (a field a later format version appended). */
    boolean more() {
        return pos < buf.length;
    }

    /** Fails unless every byte was read: trailing bytes mean the record is not what we think it is. */
    void end() {
        if (pos != buf.length) {
            throw new CorruptRecordException((buf.length - pos) + " unexpected trailing bytes");
        }
    }

    private void need(int n) {
        if (pos + n > buf.length) {
            throw new CorruptRecordException("record truncated: wanted " + n + " more bytes at offset " + pos
                    + " of " + buf.length);
        }
    }
}
