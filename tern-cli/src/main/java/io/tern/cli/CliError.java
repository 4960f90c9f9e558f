package io.tern.cli;

/**
 * A bad command line. {@code message} is printed as is (Mosquitto's wording, with its trailing blank lines);
 * {@code useLine} adds "Use 'tern-pub --help' to see usage." as Mosquitto does for parse errors.
 */
final class CliError extends Exception {

    private static final long serialVersionUID = 1L;

    final boolean useLine;

    CliError(String message, boolean useLine) {
        super(message, null, false, false);
        this.useLine = useLine;
    }

    CliError(String message) {
        this(message, true);
    }
}
