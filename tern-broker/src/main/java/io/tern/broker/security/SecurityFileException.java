package io.tern.broker.security;

import java.io.IOException;

/**
 * A password file or ACL file the broker cannot use: names the file, the 1-based line and what is wrong
 * with it, so start-up (or a reload) can fail with a message the user can act on.
 */
public final class SecurityFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String reason;

    /**
     * @param file   the file as the user named it
     * @param line   1-based line number, or 0 when the problem is not tied to one line
     * @param reason what is wrong, without the file and line
     */
    public SecurityFileException(String file, int line, String reason) {
        super(line > 0 ? file + ":" + line + ": " + reason : file + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    /** The file as the user named it. */
    public String file() { return file; }

    /** 1-based line number, 0 when the problem concerns the whole file. */
    public int line() { return line; }

    /** What is wrong, without file and line. */
    public String reason() { return reason; }
}
