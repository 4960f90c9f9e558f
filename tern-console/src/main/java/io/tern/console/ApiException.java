package io.tern.console;

/**
 * An API error with its HTTP status, answered as JSON {@code {"error": ..., "message": ..., "field": ...}}.
 * {@code field} names the request field that is wrong (400), or is null.
 */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;
    final String error;
    final String field;

    ApiException(int status, String error, String message, String field) {
        super(message, null, false, false);
        this.status = status;
        this.error = error;
        this.field = field;
    }

    static ApiException badRequest(String field, String message) {
        return new ApiException(400, "bad_request", field + ": " + message, field);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message, null);
    }

    static ApiException conflict(String message) {
        return new ApiException(409, "conflict", message, null);
    }

    static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message, null);
    }
}
