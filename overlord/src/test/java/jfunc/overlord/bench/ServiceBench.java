package jfunc.overlord.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.overlord.testing.LoopbackFleet;

/**
 * The overlord service end to end: {@code bin/jfunc '*' ping} as a new process through a running
 * {@code bin/jfunc-overlord} (a real process) and embedded ({@code --no-service}), interleaved
 * A B A B in the same minutes, against N minion servers in this JVM; then {@code job status} of a
 * finished job through the service, and the service's RSS and threads. Medians of the runs after
 * one warm-up each. Run with {@code bench/overlord-service [N]}.
 */
public final class ServiceBench {
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Path repo = Path.of(args[0]).toAbsolutePath().normalize();
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int runs = Integer.getInteger("bench.runs", 9);
        Path tmp = Files.createTempDirectory("jfunc-service-bench");
        try (BenchFleet fleet = new BenchFleet(new StateDir(tmp.resolve("minions")))) {
            fleet.grow(n);
            StateDir state = LoopbackFleet.writeState(tmp.resolve("state"), fleet.pki, fleet.overlord, fleet.minions);
            ProcessBuilder sb = new ProcessBuilder(repo.resolve("bin/jfunc-overlord").toString(), "--state-dir",
                    state.root().toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("service.log").toFile());
            sb.environment().put("JFUNC_METRICS_LISTEN", "127.0.0.1:0");
            Process service = sb.start();
            try {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.exists(state.overlord().resolve("overlord.sock"))) {
                    if (System.nanoTime() > until || !service.isAlive()) {
                        throw new IllegalStateException("the service did not start: " + Files.readString(tmp.resolve("service.log")));
                    }
                    Thread.sleep(100);
                }
                System.out.printf("overlord service: `bin/jfunc '*' ping` as a new process, %d minion servers in one JVM on"
                        + " loopback, median of %d runs after 1 warm-up, modes interleaved; %d cores (shared, busy), Java %s%n%n",
                        n, runs, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
                List<Long> via = new ArrayList<>();
                List<Long> embedded = new ArrayList<>();
                for (int i = 0; i <= runs; i++) {
                    long a = run(repo, state, "*", "ping");
                    long b = run(repo, state, "--no-service", "*", "ping");
                    if (i > 0) {
                        via.add(a);
                        embedded.add(b);
                    }
                }
                System.out.printf("%-44s  %9s  %6s  %6s%n", "command", "median ms", "min", "max");
                print("ping through the service", via);
                print("ping embedded (--no-service)", embedded);
                System.out.printf("embedded / service (same minutes): %.1fx%n", median(embedded) / median(via));
                String id = output(false, repo, state, "*", "call", "test", "ping", "--async").strip();
                output(false, repo, state, "job", "status", id, "--wait");
                List<Long> status = new ArrayList<>();
                for (int i = 0; i <= runs; i++) {
                    long t = run(repo, state, "job", "status", id);
                    if (i > 0) {
                        status.add(t);
                    }
                }
                print("job status FINISHED_ID through the service", status);
                String proc = Files.readString(Path.of("/proc", Long.toString(service.pid()), "status"));
                System.out.printf("service after the runs: %s, %s%n", field(proc, "VmRSS"), field(proc, "Threads") + " threads");
            } finally {
                service.destroy();
                service.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static String field(String proc, String name) {
        for (String line : proc.split("\n")) {
            if (line.startsWith(name + ":")) {
                return name + " " + line.substring(name.length() + 1).strip();
            }
        }
        return name + " ?";
    }

    private static double median(List<Long> t) {
        List<Long> s = new ArrayList<>(t);
        Collections.sort(s);
        return s.get(s.size() / 2) / 1e6;
    }

    private static void print(String what, List<Long> t) {
        List<Long> s = new ArrayList<>(t);
        Collections.sort(s);
        System.out.printf("%-44s  %9.0f  %6.0f  %6.0f%n", what, median(s), s.get(0) / 1e6, s.get(s.size() - 1) / 1e6);
    }

    private static long run(Path repo, StateDir state, String... args) throws Exception {
        long t0 = System.nanoTime();
        output(false, repo, state, args);
        return System.nanoTime() - t0;
    }

    /** Runs bin/jfunc; a non-zero exit is reported on stderr (a failed minion), a hang or usage error fails the bench. */
    private static String output(boolean quiet, Path repo, StateDir state, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(repo.resolve("bin/jfunc").toString(), "--state-dir", state.root().toString()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile("jfunc-bench", ".err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() >= 2) {
            throw new IllegalStateException(String.join(" ", args) + " failed: " + out + Files.readString(err));
        }
        if (p.exitValue() != 0 && !quiet) {
            String said = Files.readString(err);
            System.err.println("(exit " + p.exitValue() + ": " + String.join(" ", args) + ": "
                    + said.substring(Math.max(0, said.length() - 300)).strip() + ")");
        }
        Files.deleteIfExists(err);
        return out;
    }
}
