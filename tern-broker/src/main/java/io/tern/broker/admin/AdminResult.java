package io.tern.broker.admin;

/** The outcome of an admin operation on a session; the API maps it to 200, 404 or 409. */
public enum AdminResult {
    /** Done. */
    DONE,
    /** No session with that client id. */
    NOT_FOUND,
    /** The session is connected (expire needs an offline one). */
    CONNECTED,
    /** The session is offline (kick needs a connected one). */
    NOT_CONNECTED
}
