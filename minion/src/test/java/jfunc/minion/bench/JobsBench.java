package jfunc.minion.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import jfunc.minion.jobs.JfuncdProcess;

/**
 * Async jobs on one real jfuncd process (started with bin/jfuncd's default JVM options) over mutual TLS
 * on loopback (run from the project root): 10,000 {@code async.test.ping} submitted in system.multicall batches of 1,000 from
 * one client, then as plain one-by-one calls (300 sequential, 2,000 from 16 parallel clients);
 * time until all accepted and until all FINISHED, status file bytes per job, and the latency of
 * {@code jobs.status_many} for 1,000 ids (median of 21).
 *
 * <pre>
 * mvn -B -o -q -pl minion -am package -DskipTests
 * java -cp 'minion/target/test-classes:minion/target/classes:common/target/test-classes:minion/target/lib/*' \
 *     jfunc.minion.bench.JobsBench [jobs]
 * </pre>
 */
public final class JobsBench {
    /** The JVM options bin/jfuncd uses by default (read from the launcher, run from the project root). */
    static String[] jfuncdOptions() throws java.io.IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("JFUNC_DEFAULT_JAVA_OPTS:-([^}]*)}")
                .matcher(Files.readString(Path.of("bin/jfuncd")));
        if (!m.find()) {
            throw new IllegalStateException("no default JVM options in bin/jfuncd");
        }
        return m.group(1).trim().split("\\s+");
    }

    public static void main(String[] argv) throws Exception {
        int n = argv.length > 0 ? Integer.parseInt(argv[0]) : 10_000;
        Path state = Files.createTempDirectory("jfunc-jobs-bench");
        TestPki pki = new TestPki();
        JfuncdProcess.enrol(pki, state);
        RpcClient client = new RpcClient(pki.context(pki.overlord()), Duration.ofSeconds(5), Duration.ofSeconds(120));
        List<String> opts = new ArrayList<>(List.of(jfuncdOptions()));
        String extra = System.getenv("JFUNCD_EXTRA_OPTS"); // e.g. a JFR recording for profiling
        if (extra != null && !extra.isBlank()) {
            opts.addAll(List.of(extra.trim().split("\\s+")));
        }
        try (JfuncdProcess minion = JfuncdProcess.start(state, Map.of(), opts.toArray(new String[0]))) {
            RpcClient.Endpoint at = minion.endpoint;
            for (int i = 0; i < 300; i++) {
                client.call(at, "test.ping"); // warm the connection and both JVMs a little
            }
            System.out.printf("jfuncd %s, %d cores, client JVM %s%n", String.join(" ", opts),
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

            // 1. multicall batches of 1000
            Object[] batch = new Object[1000];
            Arrays.fill(batch, Map.of("methodName", "async.test.ping", "params", new Object[0]));
            List<Object> ids = new ArrayList<>(n);
            long t0 = System.nanoTime();
            while (ids.size() < n) {
                int k = Math.min(1000, n - ids.size());
                Object[] answers = (Object[]) client.call(at, "system.multicall", (Object) Arrays.copyOf(batch, k));
                for (Object a : answers) {
                    ids.add(((Object[]) a)[0]);
                }
            }
            long accepted = System.nanoTime() - t0;
            waitAllFinished(client, at, ids);
            long finished = System.nanoTime() - t0;
            System.out.printf("multicall x1000, 1 client : %,d accepted in %.2f s (%,.0f/s), all FINISHED after %.2f s%n",
                    n, accepted / 1e9, n / (accepted / 1e9), finished / 1e9);

            long bytes = statusBytes(state);
            System.out.printf("status file: %,d bytes for %,d jobs = %,.0f bytes/job%n", bytes, n, (double) bytes / n);

            // 2. status_many for 1000 ids
            Object[] thousand = ids.subList(0, 1000).toArray();
            long[] runs = new long[21];
            for (int r = 0; r < runs.length; r++) {
                long s = System.nanoTime();
                client.call(at, "jobs.status_many", (Object) thousand);
                runs[r] = System.nanoTime() - s;
            }
            Arrays.sort(runs);
            System.out.printf("jobs.status_many(1000 ids): median %.1f ms (min %.1f, max %.1f, 21 runs)%n",
                    runs[10] / 1e6, runs[0] / 1e6, runs[20] / 1e6);

            // 3. one by one, sequential (each call waits for its group commit)
            int seq = Math.min(n, 300);
            t0 = System.nanoTime();
            List<Object> seqIds = new ArrayList<>();
            for (int i = 0; i < seq; i++) {
                seqIds.add(client.call(at, "async.test.ping"));
            }
            accepted = System.nanoTime() - t0;
            System.out.printf("one by one, 1 client      : %,d accepted in %.2f s (%,.0f/s, %.1f ms each)%n",
                    seq, accepted / 1e9, seq / (accepted / 1e9), accepted / 1e6 / seq);
            waitAllFinished(client, at, seqIds);

            // 4. one by one from 16 parallel clients (commits shared)
            int par = Math.min(n, 2000);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            t0 = System.nanoTime();
            List<Future<Object>> futures = new ArrayList<>();
            for (int i = 0; i < par; i++) {
                futures.add(pool.submit(() -> client.call(at, "async.test.ping")));
            }
            List<Object> parIds = new ArrayList<>();
            for (Future<Object> f : futures) {
                parIds.add(f.get());
            }
            accepted = System.nanoTime() - t0;
            waitAllFinished(client, at, parIds);
            finished = System.nanoTime() - t0;
            pool.shutdown();
            System.out.printf("one by one, 16 clients    : %,d accepted in %.2f s (%,.0f/s), all FINISHED after %.2f s%n",
                    par, accepted / 1e9, par / (accepted / 1e9), finished / 1e9);
        } finally {
            try (var files = Files.walk(state)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void waitAllFinished(RpcClient client, RpcClient.Endpoint at, List<Object> ids) throws Exception {
        List<Object> pending = new ArrayList<>(ids);
        while (!pending.isEmpty()) {
            List<Object> still = new ArrayList<>();
            for (int from = 0; from < pending.size(); from += 10_000) {
                Object[] chunk = pending.subList(from, Math.min(pending.size(), from + 10_000)).toArray();
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> states = (Map<String, Map<String, Object>>) client.call(at,
                        "jobs.status_many", (Object) chunk);
                for (Map<String, Object> r : states.values()) {
                    String s = (String) r.get("state");
                    if (s.equals("QUEUED") || s.equals("RUNNING")) {
                        still.add(r.get("id"));
                    } else if (!s.equals("FINISHED")) {
                        throw new IllegalStateException("job ended " + r);
                    }
                }
            }
            pending = still;
            if (!pending.isEmpty()) {
                Thread.sleep(20);
            }
        }
    }

    private static long statusBytes(Path state) throws Exception {
        long total = 0;
        try (var files = Files.list(state.resolve("minion").resolve(JfuncdProcess.NAME))) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith("status.db")).toList()) {
                total += Files.size(p);
            }
        }
        return total;
    }
}
