package io.tern.store.rocksdb;

/** A stored key or value that does not decode: the store's contents are damaged or not ours. */
final class CorruptRecordException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CorruptRecordException(String message) {
        super(message);
    }
}
