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
 * archive and without it ({@code JFUNC_CDS=off}), interleaved. Median of 15 runs after one warm-up (which
 * also creates the archive). Run with {@code bench/overlord-cli}; arguments: the repository root,
 * then optionally {@code serve} to only keep the minion up for measuring by hand.
 */
public final class CliBench {
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Path repo = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Path jfunc = repo.resolve("bin/jfunc");
        int runs = Integer.getInteger("bench.runs", 15);
        Path tmp = Files.createTempDirectory("jfunc-cli-bench");
        Path cds = Files.createDirectories(tmp.resolve("cds"));
        try (BenchFleet fleet = new BenchFleet(new StateDir(tmp.resolve("minions")))) {
            fleet.grow(1);
            MinionAddress m = fleet.minions.get(0);
            StateDir state = LoopbackFleet.writeState(tmp.resolve("state"), fleet.pki, fleet.overlord, List.of(m));
            if (args.length > 1 && args[1].equals("serve")) {
                // for profiling by hand: keep the minion up and say where its state dir is
                System.out.println("serving " + m.name() + "; state dir " + state.root() + "; Ctrl-C ends");
                Thread.sleep(Long.MAX_VALUE);
            }
            System.out.printf("jfunc CLI end to end: `bin/jfunc ONE_MINION ping` as a new process, median of %d runs"
                    + " after 1 warm-up; %d cores, Java %s%n%n", runs, Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            System.out.printf("%-36s  %9s  %6s  %6s%n", "mode", "median ms", "min", "max");
            // modes interleaved run by run, so that background load hits both alike
            List<String> modes = List.of("auto", "off");
            List<List<Long>> times = List.of(new ArrayList<>(), new ArrayList<>());
            for (int i = 0; i <= runs; i++) {
                for (int k = 0; k < modes.size(); k++) {
                    long t = run(jfunc, state, m.name(), modes.get(k), cds);
                    if (i > 0) {
                        times.get(k).add(t);
                    }
                }
            }
            for (int k = 0; k < modes.size(); k++) {
                List<Long> t = times.get(k);
                Collections.sort(t);
                System.out.printf("%-36s  %9.0f  %6.0f  %6.0f%n",
                        k == 0 ? "AppCDS archive (launcher default)" : "no app archive (JFUNC_CDS=off)",
                        t.get(t.size() / 2) / 1e6, t.get(0) / 1e6, t.get(t.size() - 1) / 1e6);
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
