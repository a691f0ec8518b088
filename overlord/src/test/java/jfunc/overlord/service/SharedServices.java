package jfunc.overlord.service;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jfunc.common.StateDir;

/**
 * Real jfunc-overlord processes sharing a job store (tests and benchmarks): start one on a state
 * dir with a config file, ask {@code --status}, run the CLI against one.
 */
public final class SharedServices {
    private SharedServices() {}

    public record Run(int code, String out, String err) {}

    /** The jfunc CLI in this JVM, through the service of {@code state}. */
    public static Run jfunc(StateDir state, String... args) {
        ServiceKillTest.Run r = ServiceKillTest.jfunc(state, args);
        return new Run(r.code(), r.out(), r.err());
    }

    /** A real jfunc-overlord on {@code state} with {@code conf}, returned once its socket answers. */
    public static Process start(StateDir state, Path conf, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"),
                ServiceCli.class.getName(), "--config", conf.toString(), "--state-dir", state.root().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (Files.exists(ServiceClient.socket(state))) {
                Run r = jfunc(state, "job", "list");
                if (r.code() == 0 && !r.err().contains("note:")) {
                    return p;
                }
            }
            if (!p.isAlive()) {
                throw new AssertionError("the service died: " + Files.readString(log));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the service did not come up: " + Files.readString(log));
    }

    /** {@code jfunc-overlord --status} (its stdout); AssertionError unless it exits 0. */
    public static String status(StateDir state, Path conf) throws Exception {
        Process p = new ProcessBuilder(java(), "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                ServiceCli.class.getName(), "--status", "--config", conf.toString(), "--state-dir", state.root().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("jfunc-overlord --status failed: " + out);
        }
        return out;
    }

    /** SERVICE -> MINIONS of the live rows of a {@link #status} table. */
    public static Map<String, Integer> shares(String table) {
        Map<String, Integer> out = new java.util.TreeMap<>();
        Matcher m = Pattern.compile("(?m)^(\\S+)\\s+live\\s+(\\d+)\\s").matcher(table);
        while (m.find()) {
            out.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return out;
    }

    /** The lease name of the service on {@code state} (host:state dir). */
    public static String name(StateDir state) {
        return Fleet.hostName() + ":" + state.root();
    }

    /** Waits until job {@code id} has {@code minions} minions RUNNING (every submission accepted). */
    public static void awaitAllRunning(StateDir via, String id, int minions) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "";
        while (System.nanoTime() < end) {
            Run s = jfunc(via, "job", "status", id, "--json");
            last = s.out() + s.err();
            if (s.code() == 0 && count(s.out(), "\"state\": \"RUNNING\"") == minions) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not every minion accepted job " + id + ": " + last);
    }

    public static int count(String text, String what) {
        return text.split(Pattern.quote(what), -1).length - 1;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
