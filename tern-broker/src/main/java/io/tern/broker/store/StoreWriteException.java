package io.tern.broker.store;

/**
 * A change the store could not write (disk full, I/O error): it is not durable, so the broker must not
 * acknowledge what depended on it. The store keeps trying to recover, so a later write may succeed again
 * (when space returns).
 */
public class StoreWriteException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public StoreWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
