package io.tern.broker.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an option was written: a configuration file and a 1-based line number.
 *
 * <p>{@link #toString()} gives {@code FILE:LINE}, the form Mosquitto uses in "Error found at" messages, so
 * a start-up refusal reads {@code /etc/tern.conf:12: option 'X' is not supported yet}. A line of 0 means
 * the file as a whole (for example when it cannot be opened).
 *
 * @param file the file as it was named (the main file as given, an included file as {@code include_dir/NAME})
 * @param line the 1-based line number, or 0 for the whole file
 */
public record Location(Path file, int line) {

    public Location {
        Objects.requireNonNull(file, "file");
        if (line < 0) {
            throw new IllegalArgumentException("line must be >= 0: " + line);
        }
    }

    @Override
    public String toString() {
        return line == 0 ? file.toString() : file + ":" + line;
    }
}
