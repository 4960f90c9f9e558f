package io.tern.broker.store;

/** The store cannot be opened or used; the message names the path and what the operator can do. */
public class StoreException extends Exception {

    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
