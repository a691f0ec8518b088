package jfunc.minion.jobs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import jfunc.minion.MinionIdentity;

/**
 * A real {@code jfuncd} process (this JVM's java and class path, {@code jfunc.minion.cli.MinionCli})
 * serving on a loopback ephemeral port, with identity files from a {@link TestPki}. Its output
 * goes to {@code jfuncd-N.log} in the state dir.
 */
public final class JfuncdProcess implements AutoCloseable {
    public static final String NAME = "m1.example.org";
    private static final Pattern SERVING = Pattern.compile("jfuncd: serving \\S+ on 127\\.0\\.0\\.1:(\\d+)");

    public final Process process;
    public final Path log;
    public final RpcClient.Endpoint endpoint;

    private JfuncdProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.endpoint = new RpcClient.Endpoint(NAME, "127.0.0.1", port);
    }

    /** Writes the minion's identity files under {@code state} (once per state dir). */
    public static void enrol(TestPki pki, Path state) throws Exception {
        new MinionIdentity(state.resolve("minion").resolve(NAME)).write(pki.minion(NAME), pki.caCertificate(), pki.crl());
        Files.writeString(state.resolve("acl.conf"), "# only the overlord\n");
    }

    /** Starts jfuncd and waits (up to 60 s) until it serves; {@code env} adds JFUNC_* settings. */
    public static JfuncdProcess start(Path state, Map<String, String> env, String... javaOptions) throws Exception {
        return start(state, env, List.of(), javaOptions);
    }

    /** As {@link #start(Path, Map, String...)} with more jfuncd arguments ({@code --config FILE}). */
    public static JfuncdProcess start(Path state, Map<String, String> env, List<String> args, String... javaOptions)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of(javaOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "jfunc.minion.cli.MinionCli",
                "--state-dir", state.toString(), "--name", NAME, "--listen", "127.0.0.1:0"));
        cmd.addAll(args);
        Path log = Files.createTempFile(state, "jfuncd-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JFUNC_ACL_FILE", state.resolve("acl.conf").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = SERVING.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                return new JfuncdProcess(p, log, Integer.parseInt(m.group(1)));
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new IllegalStateException("jfuncd did not start serving:\n" + Files.readString(log));
    }

    public String output() throws Exception {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** SIGHUP: reload. */
    public void hangup() throws Exception {
        if (new ProcessBuilder("kill", "-HUP", String.valueOf(process.pid())).start().waitFor() != 0) {
            throw new IllegalStateException("kill -HUP " + process.pid() + " failed");
        }
    }

    /** Waits (up to 30 s) until the output holds {@code text}; the output then. */
    public String awaitOutput(String text) throws Exception {
        for (int i = 0; i < 600; i++) {
            String out = output();
            if (out.contains(text)) {
                return out;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("jfuncd never logged '" + text + "':\n" + output());
    }

    /** SIGKILL: no shutdown hook, no last commit. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM and wait for the orderly stop. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
