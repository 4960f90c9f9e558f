package io.tern.broker.security;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tern-passwd}: manages password files with {@code mosquitto_passwd}'s flags, messages and exit
 * codes (checked against Mosquitto 2.0.11), so scripts written for it keep working.
 *
 * <pre>
 * tern-passwd [-H sha512 | -H sha512-pbkdf2] [-I iterations] [-c | -D] passwordfile username
 * tern-passwd [-H sha512 | -H sha512-pbkdf2] [-I iterations] [-c] -b passwordfile username password
 * tern-passwd [-H ...] [-I iterations] -U passwordfile
 * </pre>
 *
 * Differences from {@code mosquitto_passwd}, all deliberate:
 * <ul>
 *   <li>PBKDF2 defaults to {@value PasswordHasher#DEFAULT_ITERATIONS} iterations instead of 101 (see
 *       {@link PasswordHasher}); {@code -U} honours {@code -I}.
 *   <li>{@code -U} leaves lines that already hold a {@code $6$}/{@code $7$} hash alone instead of hashing
 *       the hash (which locks those users out), and takes everything after the first {@code :} as the
 *       plain-text password rather than stopping at a second {@code :}.
 *   <li>Blank lines and {@code #} comments are kept instead of being reported as a corrupt file.
 *   <li>The file is rewritten in place (keeping owner and permissions) without the temporary backup copy.
 * </ul>
 * Exit codes: 0 success, 1 errors, 2 when the two passwords typed differ (as {@code mosquitto_passwd} 2.0).
 */
@Command(name = "tern-passwd", usageHelpAutoWidth = false)
public final class PasswdCommand implements Callable<Integer> {
    private static final int MAX_LENGTH = 65535;

    @Option(names = "-b")
    boolean batch;

    @Option(names = "-c")
    boolean create;

    @Option(names = "-D")
    boolean delete;

    @Option(names = "-U")
    boolean upgrade;

    @Option(names = "-H")
    String hashType;

    @Option(names = "-I")
    String iterationsText;

    @Parameters
    List<String> positional = new ArrayList<>();

    private final BufferedReader in;
    private final PrintStream out;
    private final PrintStream err;
    private final Console console;

    private PasswdCommand(InputStream in, PrintStream out, PrintStream err, Console console) {
        this.in = new BufferedReader(new InputStreamReader(in, Charset.defaultCharset()));
        this.out = out;
        this.err = err;
        this.console = console;
    }

    /** Entry point of the {@code tern-passwd} launcher. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the command on the process's standard streams (and terminal, when there is one) and returns the
     * exit code instead of exiting.
     */
    public static int run(String... args) {
        return run(System.in, System.out, System.err, interactiveConsole(), args);
    }

    /** Runs with explicit streams and no terminal: passwords are read as lines from {@code in}. For tests. */
    static int run(InputStream in, PrintStream out, PrintStream err, String... args) {
        return run(in, out, err, null, args);
    }

    private static int run(InputStream in, PrintStream out, PrintStream err, Console console, String... args) {
        PasswdCommand command = new PasswdCommand(in, out, err, console);
        if (args.length == 0) {
            command.printUsage();
            return 1;
        }
        CommandLine cli = new CommandLine(command)
                .setStopAtPositional(true)
                .setUnmatchedOptionsArePositionalParams(true)
                .setPosixClusteredShortOptionsAllowed(false)
                .setAllowOptionsAsOptionParameters(true)
                .setOverwrittenOptionsAllowed(true)
                .setExpandAtFiles(false)
                .setEndOfOptionsDelimiter("\u0000--")
                .setParameterExceptionHandler((e, a) -> command.parameterError(e));
        return cli.execute(args);
    }

    /** System.console(), but only when it is really a terminal (on JDK 22+ it exists even when piped). */
    private static Console interactiveConsole() {
        Console c = System.console();
        if (c == null) {
            return null;
        }
        try {
            Object terminal = Console.class.getMethod("isTerminal").invoke(c);
            return Boolean.TRUE.equals(terminal) ? c : null;
        } catch (ReflectiveOperationException e) {
            return c; // JDK before 22: a non-null console is a terminal
        }
    }

    private int parameterError(CommandLine.ParameterException e) {
        String message = e.getMessage();
        if (message != null && message.contains("'-H'")) {
            err.println("Error: -H argument given but not enough other arguments.");
        } else if (message != null && message.contains("'-I'")) {
            err.println("Error: -I argument given but not enough other arguments.");
        } else {
            printUsage();
        }
        return 1;
    }

    @Override
    public Integer call() {
        PasswordHasher.Algorithm algorithm = PasswordHasher.Algorithm.SHA512_PBKDF2;
        if (hashType != null) {
            algorithm = PasswordHasher.Algorithm.fromCliName(hashType);
            if (algorithm == null) {
                err.println("Error: Unknown hash type '" + hashType + "'");
                return 1;
            }
        }
        int iterations = PasswordHasher.DEFAULT_ITERATIONS;
        if (iterationsText != null) {
            iterations = atoi(iterationsText);
            if (iterations < 1) {
                err.println("Error: Number of iterations must be > 0.");
                return 1;
            }
        }
        if (create && delete) {
            err.println("Error: -c and -D cannot be used together.");
            return 1;
        }
        if (create && upgrade) {
            err.println("Error: -c and -U cannot be used together.");
            return 1;
        }
        if (delete && upgrade) {
            err.println("Error: -D and -U cannot be used together.");
            return 1;
        }
        if (delete && batch) {
            err.println("Error: -b and -D cannot be used together.");
            return 1;
        }

        int n = positional.size();
        String file;
        String username = null;
        String password = null;
        if (create) {
            if (batch && n < 3) {
                err.println("Error: -c argument given but password file, username, or password missing.");
                return 1;
            }
            if (!batch && n < 2) {
                err.println("Error: -c argument given but password file or username missing.");
                return 1;
            }
        } else if (delete) {
            if (n < 2) {
                err.println("Error: -D argument given but password file or username missing.");
                return 1;
            }
        } else if (upgrade) {
            if (n != 1) {
                err.println("Error: -U argument given but password file missing.");
                return 1;
            }
        } else if (!(batch && n == 3) && !(!batch && n == 2)) {
            printUsage();
            return 1;
        }
        file = positional.get(0);
        if (!upgrade) {
            username = positional.get(1);
            if (batch) {
                password = positional.get(2);
            }
        }
        if (username != null && !usernameValid(username)) {
            return 1;
        }
        if (password != null && password.length() > MAX_LENGTH) {
            err.println("Error: Password must be less than 65536 characters long.");
            return 1;
        }
        PasswordHasher hasher = new PasswordHasher(algorithm, iterations);
        Path path = Paths.get(file);

        if (create) {
            if (password == null) {
                Prompted prompted = promptPassword();
                if (prompted.exitCode != 0) {
                    return prompted.exitCode;
                }
                password = prompted.password;
            }
            String entry = hasher.entry(username, utf8(password)) + "\n";
            try {
                writeNew(path, entry);
            } catch (IOException e) {
                err.println("Error: Unable to open file " + file + " for writing. " + describe(e) + ".");
                return 1;
            }
            return 0;
        }

        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("Error: Unable to open password file " + file + ". " + describe(e) + ".");
            return 1;
        }
        if (!delete && !upgrade && password == null) {
            Prompted prompted = promptPassword();
            if (prompted.exitCode != 0) {
                return prompted.exitCode;
            }
            password = prompted.password;
        }

        List<String> result = new ArrayList<>(lines.size() + 1);
        boolean found = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                result.add(line);
                continue;
            }
            int colon = line.indexOf(':');
            String user = colon < 0 ? "" : line.substring(0, colon).strip();
            String rest = colon < 0 ? "" : line.substring(colon + 1).strip();
            if (user.isEmpty() || rest.isEmpty()) {
                err.println("Error: Corrupt password file at line " + (i + 1) + ".");
                return 1;
            }
            if (upgrade) {
                result.add(isHashed(rest) ? line : hasher.entry(user, utf8(rest)));
            } else if (!user.equals(username)) {
                result.add(line);
            } else {
                found = true;
                if (!delete) {
                    result.add(hasher.entry(username, utf8(password)));
                }
            }
        }
        if (delete && !found) {
            err.println("Warning: User " + username + " not found in password file.");
            return 1;
        }
        if (!delete && !upgrade && !found) {
            result.add(hasher.entry(username, utf8(password)));
        }
        try {
            StringBuilder content = new StringBuilder();
            for (String line : result) {
                content.append(line).append('\n');
            }
            Files.write(path, content.toString().getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            err.println("Error occurred updating password file.");
            err.println(describe(e) + ".");
            return 1;
        }
        return 0;
    }

    private static boolean isHashed(String hashText) {
        try {
            PasswordHash.parse(hashText);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private boolean usernameValid(String username) {
        if (username.length() > MAX_LENGTH) {
            err.println("Error: Username must be less than 65536 characters long.");
            return false;
        }
        for (int i = 0; i < username.length(); i++) {
            char c = username.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                err.println("Error: Username must not contain control characters.");
                return false;
            }
        }
        if (username.indexOf(':') >= 0) {
            err.println("Error: Username must not contain the ':' character.");
            return false;
        }
        return true;
    }

    private record Prompted(String password, int exitCode) {}

    /** Asks twice like mosquitto_passwd: empty or missing input exits 1, a mismatch exits 2. */
    private Prompted promptPassword() {
        String first = readPassword("Password: ");
        if (first == null || first.isEmpty()) {
            err.println("Error: Empty password.");
            return new Prompted(null, 1);
        }
        String second = readPassword("Reenter password: ");
        if (second == null || second.isEmpty()) {
            err.println("Error: Empty password.");
            return new Prompted(null, 1);
        }
        if (!first.equals(second)) {
            err.println("Error: Passwords do not match.");
            return new Prompted(null, 2);
        }
        if (first.length() > MAX_LENGTH) {
            err.println("Error: Password must be less than 65536 characters long.");
            return new Prompted(null, 1);
        }
        return new Prompted(first, 0);
    }

    private String readPassword(String prompt) {
        if (console != null) {
            char[] chars = console.readPassword("%s", prompt);
            return chars == null ? null : new String(chars);
        }
        out.print(prompt);
        out.flush();
        try {
            String line = in.readLine();
            if (line != null) {
                out.println();
                if (line.endsWith("\r")) {
                    line = line.substring(0, line.length() - 1);
                }
            }
            return line;
        } catch (IOException e) {
            return null;
        }
    }

    /** Creates or truncates the file; a new one is readable by its owner only, as mosquitto_passwd creates it. */
    private static void writeNew(Path path, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (!Files.exists(path)) {
            try {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(path);
            } catch (FileAlreadyExistsException e) {
                // created meanwhile: fall through and overwrite, as -c promises
            }
        }
        Files.write(path, bytes, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** The strerror() text mosquitto_passwd would print for this failure. */
    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof CharacterCodingException) {
            return "Not valid UTF-8";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** C atoi(): leading blanks, optional sign, digits; anything unparsable is 0. */
    private static int atoi(String s) {
        int i = 0;
        int n = s.length();
        while (i < n && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long value = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && value <= Integer.MAX_VALUE) {
            value = value * 10 + (s.charAt(i) - '0');
            i++;
        }
        value = negative ? -value : value;
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
    }

    private void printUsage() {
        out.print("""
                tern-passwd is a tool for managing password files for Tern and mosquitto.

                Usage: tern-passwd [-H sha512 | -H sha512-pbkdf2] [-I iterations] [-c | -D] passwordfile username
                       tern-passwd [-H sha512 | -H sha512-pbkdf2] [-I iterations] [-c] -b passwordfile username password
                       tern-passwd [-H sha512 | -H sha512-pbkdf2] [-I iterations] -U passwordfile
                 -b : run in batch mode to allow passing passwords on the command line.
                 -c : create a new password file. This will overwrite existing files.
                 -D : delete the username rather than adding/updating its password.
                 -H : specify the hashing algorithm. Defaults to sha512-pbkdf2, which is recommended.
                      Mosquitto 1.6 and earlier defaulted to sha512.
                 -I : PBKDF2 iterations for sha512-pbkdf2. Defaults to 210000 (mosquitto_passwd 2.0 writes 101).
                 -U : update a plain text password file to use hashed passwords.

                """);
        out.flush();
    }
}
