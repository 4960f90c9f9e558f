package io.tern.store.rocksdb;

import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.UInt64AddOperator;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A store's RocksDB opened directly, bypassing every check, so tests can damage or patch it. */
final class RawDb implements AutoCloseable {

    final RocksDB db;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final List<byte[]> names;
    private final UInt64AddOperator add = new UInt64AddOperator();
    private final ColumnFamilyOptions cfOptions = new ColumnFamilyOptions().setMergeOperator(add);
    private final DBOptions options = new DBOptions();

    RawDb(Path dir) throws Exception {
        try (Options o = new Options()) {
            names = RocksDB.listColumnFamilies(o, dir.toString());
        }
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (byte[] n : names) {
            descriptors.add(new ColumnFamilyDescriptor(n, cfOptions));
        }
        db = RocksDB.open(options, dir.toString(), descriptors, handles);
    }

    ColumnFamilyHandle family(String name) {
        for (int i = 0; i < names.size(); i++) {
            if (new String(names.get(i), StandardCharsets.US_ASCII).equals(name)) {
                return handles.get(i);
            }
        }
        throw new IllegalArgumentException(name);
    }

    @Override
    public void close() {
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        cfOptions.close();
        add.close();
        options.close();
    }
}
