package jfunc.overlord.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.testing.LoopbackFleet;

/**
 * CLI end to end: wall time of {@code bin/jfunc --state-dir S ONE_MINION ping} as a new process
 * (JVM start included) against one real minion server in this JVM, with the launcher's AppCDS
 * archive and without it ({@code JFUNC_CDS=off}). Median of 10 runs after one warm-up run (which
 * also creates the archive). Run with {@code bench/overlord-cli}; argument: the repository root.
 */
public final class CliBench {
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Path repo = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Path jfunc = repo.resolve("bin/jfunc");
        int runs = Integer.getInteger("bench.runs", 10);
        Path tmp = Files.createTempDirectory("jfunc-cli-bench");
        Path cds = Files.createDirectories(tmp.resolve("cds"));
        try (BenchFleet fleet = new BenchFleet(new StateDir(tmp.resolve("minions")))) {
            fleet.grow(1);
            MinionAddress m = fleet.minions.get(0);
            StateDir state = LoopbackFleet.writeState(tmp.resolve("state"), fleet.pki, fleet.overlord, List.of(m));
            System.out.printf("jfunc CLI end to end: `bin/jfunc ONE_MINION ping` as a new process, median of %d runs"
                    + " after 1 warm-up; %d cores, Java %s%n%n", runs, Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            System.out.printf("%-36s  %9s  %6s  %6s%n", "mode", "median ms", "min", "max");
            for (String mode : List.of("auto", "off")) {
                List<Long> times = new ArrayList<>();
                for (int i = 0; i <= runs; i++) {
                    long t = run(jfunc, state, m.name(), mode, cds);
                    if (i > 0) {
                        times.add(t);
                    }
                }
                Collections.sort(times);
                System.out.printf("%-36s  %9.0f  %6.0f  %6.0f%n",
                        mode.equals("auto") ? "AppCDS archive (launcher default)" : "no app archive (JFUNC_CDS=off)",
                        times.get(times.size() / 2) / 1e6, times.get(0) / 1e6, times.get(times.size() - 1) / 1e6);
            }
        }
    }

    private static long run(Path jfunc, StateDir state, String minion, String cdsMode, Path cdsDir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(jfunc.toString(), "--state-dir", state.root().toString(), minion, "ping")
                .redirectErrorStream(true);
        pb.environment().put("JFUNC_CDS", cdsMode);
        pb.environment().put("JFUNC_CDS_DIR", cdsDir.toString());
        long t0 = System.nanoTime();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("bin/jfunc failed (" + (p.isAlive() ? "hung" : "exit " + p.exitValue()) + "):\n" + out);
        }
        return System.nanoTime() - t0;
    }
}
