package io.tern.store.rocksdb;

import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.zip.CRC32C;

/**
 * Replays a RocksDB write-ahead log file for {@link StoreSalvage}, without a database: the log format (32 kB
 * blocks of records with a masked CRC32C, a length, a type, fragments FIRST/MIDDLE/LAST of a batch too long for
 * one block) and each batch decoded by {@link WriteBatch#iterate}. Stops at the first record that is cut short
 * or fails its checksum: what follows it in that file is not trusted.
 */
final class WalReader {

    private static final int BLOCK = 32 * 1024;
    private static final int HEADER = 7;
    private static final int RECYCLABLE_HEADER = 11;
    private static final int FULL = 1;
    private static final int FIRST = 2;
    private static final int MIDDLE = 3;
    private static final int LAST = 4;
    private static final int MASK_DELTA = 0xa282ead8;

    private WalReader() {
    }

    /**
     * Applies the log's puts and deletes (null values) to {@code records}, family by family.
     *
     * @param familyIds column family ids to names
     * @param replayed  whether the log's records for a family id are replayed (the family's newer table files
     *                  may already hold them)
     * @return a line for the report: batches applied, and where the log was cut short if it was
     */
    static String replay(Path log, Map<Integer, String> familyIds, Map<String, TreeMap<StoreSalvage.Key, byte[]>> records,
                         IntPredicate replayed) throws IOException {
        byte[] file = Files.readAllBytes(log);
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        ByteArrayOutputStream pending = null;
        long batches = 0;
        String stop = null;
        int pos = 0;
        while (pos < file.length) {
            int inBlock = BLOCK - pos % BLOCK;
            if (inBlock < HEADER) {
                pos += inBlock; // block trailer
                continue;
            }
            int stored = b.getInt(pos);
            int length = b.getShort(pos + 4) & 0xFFFF;
            int type = file[pos + 6] & 0xFF;
            if (type == 0 && length == 0) {
                break; // preallocated space after the last record
            }
            boolean recyclable = type >= 5 && type <= 8 || type == 11;
            int header = recyclable ? RECYCLABLE_HEADER : HEADER;
            if (header + length > inBlock || pos + header + length > file.length) {
                stop = "cut short at byte " + pos;
                break;
            }
            CRC32C crc = new CRC32C();
            crc.update(file, pos + 6, 1 + (header - HEADER) + length);
            if (unmask(stored) != (int) crc.getValue()) {
                stop = "damaged record at byte " + pos;
                break;
            }
            int payload = pos + header;
            int kind = recyclable && type <= 8 ? type - 4 : type;
            pos += header + length;
            if (kind == FULL) {
                batches += apply(file, payload, length, familyIds, records, replayed);
                pending = null;
            } else if (kind == FIRST) {
                pending = new ByteArrayOutputStream();
                pending.write(file, payload, length);
            } else if ((kind == MIDDLE || kind == LAST) && pending != null) {
                pending.write(file, payload, length);
                if (kind == LAST) {
                    byte[] whole = pending.toByteArray();
                    batches += apply(whole, 0, whole.length, familyIds, records, replayed);
                    pending = null;
                }
            }
            // other types (compression, timestamp sizes, predecessor info) carry no data
        }
        return "write-ahead log " + log.getFileName() + ": " + batches + " batch(es) replayed"
                + (stop == null ? "" : ", " + stop + ": the rest of this log is lost");
    }

    private static int unmask(int masked) {
        int rot = masked - MASK_DELTA;
        return (rot >>> 17) | (rot << 15);
    }

    private static int apply(byte[] data, int off, int len, Map<Integer, String> familyIds,
                             Map<String, TreeMap<StoreSalvage.Key, byte[]>> records, IntPredicate replayed) {
        if (len < 12) {
            return 0;
        }
        byte[] rep = java.util.Arrays.copyOfRange(data, off, off + len);
        try (WriteBatch batch = new WriteBatch(rep); Apply handler = new Apply(familyIds, records, replayed)) {
            batch.iterate(handler);
            return 1;
        } catch (RocksDBException | RuntimeException e) {
            return 0; // a batch that does not decode: skipped
        }
    }

    /** Puts a batch's records into the salvage maps. */
    private static final class Apply extends WriteBatch.Handler {
        private final Map<Integer, String> familyIds;
        private final Map<String, TreeMap<StoreSalvage.Key, byte[]>> records;
        private final IntPredicate replayed;

        Apply(Map<Integer, String> familyIds, Map<String, TreeMap<StoreSalvage.Key, byte[]>> records,
              IntPredicate replayed) {
            this.familyIds = familyIds;
            this.records = records;
            this.replayed = replayed;
        }

        private TreeMap<StoreSalvage.Key, byte[]> family(int id) {
            if (!replayed.test(id)) {
                return null;
            }
            String name = id == 0 ? "default" : familyIds.get(id);
            return name == null ? null : records.get(name);
        }

        @Override
        public void put(int cf, byte[] key, byte[] value) {
            TreeMap<StoreSalvage.Key, byte[]> m = family(cf);
            if (m != null) {
                m.put(new StoreSalvage.Key(key), value);
            }
        }

        @Override
        public void put(byte[] key, byte[] value) {
            put(0, key, value);
        }

        @Override
        public void merge(int cf, byte[] key, byte[] value) {
            // only the counts are merged, and they are recomputed
        }

        @Override
        public void merge(byte[] key, byte[] value) {
        }

        @Override
        public void delete(int cf, byte[] key) {
            TreeMap<StoreSalvage.Key, byte[]> m = family(cf);
            if (m != null) {
                m.put(new StoreSalvage.Key(key), null);
            }
        }

        @Override
        public void delete(byte[] key) {
            delete(0, key);
        }

        @Override
        public void singleDelete(int cf, byte[] key) {
            delete(cf, key);
        }

        @Override
        public void singleDelete(byte[] key) {
            delete(0, key);
        }

        @Override
        public void deleteRange(int cf, byte[] begin, byte[] end) {
            TreeMap<StoreSalvage.Key, byte[]> m = family(cf);
            if (m != null) {
                m.subMap(new StoreSalvage.Key(begin), new StoreSalvage.Key(end)).replaceAll((k, v) -> null);
            }
        }

        @Override
        public void deleteRange(byte[] begin, byte[] end) {
            deleteRange(0, begin, end);
        }

        @Override
        public void logData(byte[] blob) {
        }

        @Override
        public void putBlobIndex(int cf, byte[] key, byte[] value) {
        }

        @Override
        public void markBeginPrepare() {
        }

        @Override
        public void markEndPrepare(byte[] xid) {
        }

        @Override
        public void markNoop(boolean emptyBatch) {
        }

        @Override
        public void markRollback(byte[] xid) {
        }

        @Override
        public void markCommit(byte[] xid) {
        }

        @Override
        public void markCommitWithTimestamp(byte[] xid, byte[] ts) {
        }
    }
}
