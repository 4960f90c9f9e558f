package io.tern.broker.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes configuration files for tests. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    static Path write(Path dir, String name, String text) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BrokerConfig parse(Path dir, String text) throws ConfigException {
        return ConfigParser.parse(write(dir, "tern.conf", text));
    }
}
