package io.tern.console;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The console's files, shipped in the jar under {@code io/tern/console/web/}; no CDN, so it works offline. */
final class StaticFiles {

    /** A file and its content type. */
    record File(byte[] bytes, String contentType) {
    }

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "json", "application/json; charset=utf-8",
            "svg", "image/svg+xml");

    private static final Map<String, File> CACHE = new ConcurrentHashMap<>();
    private static final File MISSING = new File(new byte[0], "");

    private StaticFiles() {
    }

    /** The file at a request path ({@code /} is the console page), or null. */
    static File get(String path) {
        String name = path.equals("/") ? "index.html" : path.substring(1);
        if (!name.matches("[a-z0-9][a-z0-9._-]*\\.(html|js|css|json|svg)")) {
            return null; // no traversal, no directories: the console is a handful of flat files
        }
        File f = CACHE.computeIfAbsent(name, StaticFiles::load);
        return f == MISSING ? null : f;
    }

    private static File load(String name) {
        try (InputStream in = StaticFiles.class.getResourceAsStream("web/" + name)) {
            if (in == null) {
                return MISSING;
            }
            return new File(in.readAllBytes(), TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
        } catch (IOException e) {
            return MISSING;
        }
    }
}
