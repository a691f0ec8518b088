package jfunc.certs.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the openssl command line tool (a tool we did not write) for interop tests. */
public final class Openssl {
    private Openssl() {}

    public record Result(int code, String output) {}

    public static boolean available() {
        try {
            return run(Path.of("."), "version").code == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Runs {@code openssl ARGS} in {@code dir}; stdout and stderr together; fails after 30 s. */
    public static Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
