package io.tern.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One run of a tool: exit code, standard output bytes, standard error text. */
record ToolRun(int exitCode, byte[] out, String err) {

    String outText() {
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Runs tern-pub / tern-sub / tern-rr in this JVM. */
    static CompletableFuture<ToolRun> tern(Tool tool, byte[] stdin, List<String> args) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            String[] a = args.toArray(String[]::new);
            PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
            ByteArrayInputStream in = new ByteArrayInputStream(stdin);
            int rc = switch (tool) {
                case PUB -> TernPub.run(o, e, in, a);
                case SUB -> TernSub.run(o, e, in, a);
                case RR -> TernRr.run(o, e, in, a);
            };
            return new ToolRun(rc, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
        });
    }

    static boolean mosquittoClientsInstalled() {
        return Files.isExecutable(Path.of("/usr/bin/mosquitto_sub")) && Files.isExecutable(Path.of("/usr/bin/mosquitto_pub"));
    }

    /** Runs mosquitto_pub / mosquitto_sub / mosquitto_rr as a subprocess, killed after 20 s. */
    static CompletableFuture<ToolRun> mosquitto(Tool tool, byte[] stdin, List<String> args) {
        return CompletableFuture.supplyAsync(() -> {
            List<String> cmd = new ArrayList<>();
            cmd.add("/usr/bin/" + tool.command.replace("tern-", "mosquitto_"));
            cmd.addAll(args);
            try {
                Process p = new ProcessBuilder(cmd).start();
                p.getOutputStream().write(stdin);
                p.getOutputStream().close();
                CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
                CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new IllegalStateException(cmd + " did not finish in 20 s");
                }
                return new ToolRun(p.exitValue(), out.get(5, TimeUnit.SECONDS),
                        new String(err.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
