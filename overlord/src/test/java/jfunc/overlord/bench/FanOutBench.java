package jfunc.overlord.bench;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import jfunc.common.StateDir;
import jfunc.overlord.CallResult;
import jfunc.overlord.FanOut;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.Inventory;
import jfunc.overlord.MethodCall;
import jfunc.overlord.Overlord;
import jfunc.overlord.Selection;

/**
 * Sync fan-out benchmark: a {@code test.ping} to N real minion servers in this JVM on loopback
 * (N = 1, 100, 1000 by default), five measured runs per N, each run with a new {@link Overlord}
 * (so a new TLS client: every connection is fresh, a full handshake, no keep-alive).
 *
 * <p>Warm-up: the JVM first runs fan-outs to the whole fleet until {@code bench.warmup} (10,000)
 * fresh handshakes are done, so that the figures are the steady state of a long-running
 * overlord rather than the JIT compiling the TLS code (one 1,000-minion fan-out leaves the JIT
 * busy for several more). The first of those fan-outs, in a cold JVM, is printed on its own: it
 * is what a one-shot CLI run costs. Prints the median, min and max wall time, and the process CPU time per minion
 * (overlord and minion side together: on an idle machine the wall time cannot go below
 * N * that / cores), and the CPU time of the overlord's fan-out threads alone per minion (what
 * the overlord host spends when the minions are elsewhere). Run with {@code bench/overlord-fanout}.
 * Options: arguments are the sizes; {@code -Dbench.forks=64}, {@code -Dbench.runs=5},
 * {@code -Dbench.warmup=10000} (handshakes; 0 for one warm-up fan-out per size only).
 */
public final class FanOutBench {
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        List<Integer> sizes = new ArrayList<>();
        for (String a : args) {
            sizes.add(Integer.parseInt(a));
        }
        if (sizes.isEmpty()) {
            sizes = List.of(1, 100, 1000);
        }
        int forks = Integer.getInteger("bench.forks", FanOut.DEFAULT_FORKS);
        int runs = Integer.getInteger("bench.runs", 5);
        int warmUp = Integer.getInteger("bench.warmup", 10_000);
        System.out.printf("jfunc sync fan-out: test.ping to N minions (Minion, 1 worker each) on loopback,%n"
                + "fresh TLS connections per run, forks=%d, %d runs after %d warm-up handshakes; %d cores, Java %s%n%n",
                forks, runs, warmUp, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        StateDir state = new StateDir(Files.createTempDirectory("jfunc-fanout-bench"));
        List<String> keptAlive = new ArrayList<>();
        try (BenchFleet fleet = new BenchFleet(state)) {
            if (warmUp > 0) {
                int all = Collections.max(sizes);
                fleet.grow(all);
                Inventory inventory = Inventory.of(fleet.minions.subList(0, all), Map.of());
                FanOut.Limits limits = new FanOut.Limits(forks, Duration.ofSeconds(30));
                long[] cold = once(fleet, inventory, inventory.select("*"), limits);
                System.out.printf("first fan-out in a cold JVM: N=%d, %.1f ms, %.2f CPU ms/minion%n", all, cold[0] / 1e6,
                        cold[1] / 1e6 / all);
                int done = all;
                long t0 = System.nanoTime();
                while (done < warmUp) {
                    once(fleet, inventory, inventory.select("*"), limits);
                    done += all;
                }
                System.out.printf("warm-up: %d fresh handshakes in %.1f s%n%n", done, (System.nanoTime() - t0) / 1e9);
            }
            System.out.printf("%6s  %10s  %8s  %8s  %10s  %14s  %16s%n", "N", "median ms", "min ms", "max ms", "warm-up ms",
                    "CPU ms/minion", "overlord CPU ms");
            for (int n : sizes) {
                fleet.grow(n);
                Inventory inventory = Inventory.of(fleet.minions.subList(0, n), Map.of());
                Selection all = inventory.select("*");
                FanOut.Limits limits = new FanOut.Limits(forks, Duration.ofSeconds(30));
                long warm = once(fleet, inventory, all, limits)[0];
                List<Long> times = new ArrayList<>();
                List<Long> cpu = new ArrayList<>();
                List<Long> overlordCpu = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    long[] t = once(fleet, inventory, all, limits);
                    times.add(t[0]);
                    cpu.add(t[1]);
                    overlordCpu.add(t[2]);
                }
                Collections.sort(times);
                Collections.sort(cpu);
                Collections.sort(overlordCpu);
                System.out.printf("%6d  %10.1f  %8.1f  %8.1f  %10.1f  %14.2f  %16.2f%n", n, times.get(times.size() / 2) / 1e6,
                        times.get(0) / 1e6, times.get(times.size() - 1) / 1e6, warm / 1e6,
                        cpu.get(cpu.size() / 2) / 1e6 / n, overlordCpu.get(overlordCpu.size() / 2) / 1e6 / n);
                keptAlive.add(String.format("%6d  %10.1f", n, keptAlive(fleet, inventory, all, limits, runs) / 1e6));
            }
        }
        System.out.printf("%nFor comparison, one long-lived Overlord calling again over its kept-alive connections:%n");
        System.out.printf("%6s  %10s%n", "N", "median ms");
        keptAlive.forEach(System.out::println);
    }

    /** Median wall time of repeated fan-outs through one Overlord (connections kept alive). */
    private static long keptAlive(BenchFleet fleet, Inventory inventory, Selection all, FanOut.Limits limits, int runs)
            throws Exception {
        try (Overlord o = Overlord.of(fleet.overlord, fleet.pki.trust(), inventory, limits)) {
            o.call(all, MethodCall.of("test.ping"), FanOutListener.NONE);
            List<Long> times = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                CallResult r = o.call(all, MethodCall.of("test.ping"), FanOutListener.NONE);
                times.add(System.nanoTime() - t0);
                if (!r.allOk()) {
                    throw new IllegalStateException("not all minions answered: " + r.failures().get(0));
                }
            }
            Collections.sort(times);
            return times.get(times.size() / 2);
        }
    }

    /** CPU time of the fan-out's own threads (new for each Overlord): the overlord's share of a run. */
    private static long fanOutThreadsCpu() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            String name = info == null ? "" : info.getThreadName();
            if (name.startsWith("jfunc-fanout-") || name.startsWith("jfunc-rpc-client")) { // the client's threads
                sum += Math.max(0, mx.getThreadCpuTime(info.getThreadId()));
            }
        }
        return sum;
    }

    /** Wall, process CPU and fan-out-thread CPU nanoseconds of one fan-out (both sides of every handshake run here). */
    private static long[] once(BenchFleet fleet, Inventory inventory, Selection all, FanOut.Limits limits) throws Exception {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (Overlord o = Overlord.of(fleet.overlord, fleet.pki.trust(), inventory, limits)) {
            long c0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            CallResult r = o.call(all, MethodCall.of("test.ping"), FanOutListener.NONE);
            long t = System.nanoTime() - t0;
            long c = os.getProcessCpuTime() - c0;
            long overlord = fanOutThreadsCpu();
            if (!r.allOk()) {
                throw new IllegalStateException("not all minions answered: " + r.failures().get(0));
            }
            return new long[] {t, c, overlord};
        }
    }
}
