package jfunc.minion.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jfunc.common.Ids;
import jfunc.common.job.JobProtocol;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import jfunc.minion.MinionIdentity;

/**
 * N fresh jfuncd processes (bin/jfuncd, its JVM flags) started together on loopback, then, as soon
 * as all serve, one async call to all: the jobs.submit (request id JOBID/NAME) that `jfunc '*' call
 * ... --async` sends each minion, 64 at once (the default --forks), each with the fan-out's 30 s
 * timeout. Prints the time until all served, and per minion the time to its job id.
 *   bench/minion-fleet [N]
 */
public final class FleetBench {
    private FleetBench() {}

    private static final java.util.regex.Pattern SERVING =
            java.util.regex.Pattern.compile("jfuncd: serving \\S+ on 127\\.0\\.0\\.1:(\\d+)");

    static int awaitPort(Process p, Path log, long deadline) throws Exception {
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(log)) {
                java.util.regex.Matcher m = SERVING.matcher(Files.readString(log));
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("jfuncd did not start:\n" + (Files.exists(log) ? Files.readString(log) : ""));
    }

    private static double cpu(long[] pids) throws Exception {
        double sum = 0;
        for (long pid : pids) {
            sum += MinionBench.cpuSeconds(pid);
        }
        return sum;
    }

    /** How many logs say their status file is ready ("status file ... ready in N ms"). */
    private static int ready(List<Path> logs) throws Exception {
        int n = 0;
        for (Path log : logs) {
            if (Files.readString(log).contains(" ready in ")) {
                n++;
            }
        }
        return n;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(".").toAbsolutePath().normalize();
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        Path state = Files.createTempDirectory("jfunc-fleet");
        TestPki pki = new TestPki();
        Files.writeString(state.resolve("acl.conf"), "# only the overlord\n");
        List<Process> procs = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("m%03d.bench.example.org", i);
            names.add(name);
            new MinionIdentity(state.resolve("minion").resolve(name)).write(pki.minion(name), pki.caCertificate(), pki.crl());
        }
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                Path log = state.resolve(names.get(i) + ".log");
                ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/jfuncd").toString(), "--state-dir", state.toString(),
                        "--name", names.get(i), "--listen", "127.0.0.1:0", "--ca", "127.0.0.1:1")
                        .redirectErrorStream(true).redirectOutput(log.toFile());
                pb.environment().put("JFUNC_ACL_FILE", state.resolve("acl.conf").toString());
                procs.add(pb.start());
                logs.add(log);
            }
            int[] ports = new int[n];
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5); // 100 JVMs on 2 cores start slowly
            for (int i = 0; i < n; i++) {
                ports[i] = awaitPort(procs.get(i), logs.get(i), deadline);
            }
            double allServing = (System.nanoTime() - t0) / 1e9;
            long[] pids = new long[n];
            for (int i = 0; i < n; i++) {
                pids[i] = MinionBench.javaPid(procs.get(i));
            }
            System.out.printf("%d jfuncd started together: all serving after %.1f s; by then their CPU %.0f s in all"
                    + " (%.2f s each), status file ready in %d of %d%n", n, allServing, cpu(pids), cpu(pids) / n,
                    ready(logs), n);

            RpcClient client = new RpcClient(pki.context(pki.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(30));
            String job = Ids.next();
            ExecutorService forks = Executors.newFixedThreadPool(Math.min(64, n));
            long s0 = System.nanoTime();
            List<Future<Double>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RpcClient.Endpoint ep = new RpcClient.Endpoint(names.get(i), "127.0.0.1", ports[i]);
                answers.add(forks.submit(() -> {
                    client.call(ep, JobProtocol.SUBMIT, JobProtocol.requestId(job, ep.name()), "test.ping", new Object[0]);
                    return (System.nanoTime() - s0) / 1e9;
                }));
            }
            double[] secs = new double[n];
            int failed = 0;
            for (int i = 0; i < n; i++) {
                try {
                    secs[i] = answers.get(i).get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    secs[i] = Double.POSITIVE_INFINITY;
                    failed++;
                    System.out.printf("  %s: %s%n", names.get(i), e.getCause() != null ? e.getCause() : e);
                }
            }
            forks.shutdownNow();
            System.out.printf("after the async call: their CPU %.0f s in all since launch, %.1f s of wall time on %d cores;"
                    + " status file ready in %d of %d%n", cpu(pids), (System.nanoTime() - t0) / 1e9,
                    Runtime.getRuntime().availableProcessors(), ready(logs), n);
            Arrays.sort(secs);
            long within = Arrays.stream(secs).filter(x -> x <= 30).count();
            System.out.printf("then one async call to all (64 at once): %d of %d minions had a job id within 30 s;"
                    + " p50 %.2f s, max %.2f s after the first submission (%d failed)%n", within, n,
                    MinionBench.pct(secs, 50), secs[n - 1], failed);
            double rss = 0;
            for (Process p : procs) {
                rss += MinionBench.rssMb(MinionBench.javaPid(p));
            }
            System.out.printf("RSS of the %d jfuncd then: %.0f MB in all, %.1f MB each on average%n", n, rss, rss / n);
        } finally {
            for (Process p : procs) {
                p.destroy();
            }
            for (Process p : procs) {
                p.waitFor(20, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
        }
    }
}
