package jfunc.overlord.bench;

import static jfunc.overlord.bench.StoreBench.median;
import static jfunc.overlord.bench.StoreBench.ms;
import static jfunc.overlord.bench.StoreBench.row;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.overlord.FanOut;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.Overlord;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;
import jfunc.overlord.jobs.AsyncJobs;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobStore;
import jfunc.overlord.jobs.JobStores;
import jfunc.overlord.jobs.MinionState;
import jfunc.overlord.jobs.RealMinions;
import jfunc.overlord.service.ServiceClient;
import jfunc.overlord.service.SharedServices;
import jfunc.overlord.testing.PostgresServer;

/**
 * The shared job store (issue 22): (1) async submit to N in-JVM TLS minions and status of a
 * finished N-minion job, the MapDB store against the PostgreSQL one (a real server, fsync on),
 * alternating A B in the same run over the same minions and connections; (2) failover: three
 * real jfunc-overlord processes sharing the PostgreSQL store, kill -9 of one while a job runs on
 * every minion, time until the job is FINISHED on another (lease expiry plus one poll). Medians.
 * {@code bench/shared-store [-Dbench.minions=1000] [-Dbench.runs=5] [-Dbench.failovers=3]
 * [-Dbench.lease=10s] [-Dbench.failoverMinions=30] [-Dbench.part=all|store|failover|simulate]}
 *
 * <p>{@code simulate} (not part of {@code all}): S real jfunc-overlord services sharing the store
 * and N in-JVM minion servers ({@code -Dbench.sizes=1000,3000}, {@code -Dbench.services=1,2,3}):
 * async {@code test.ping} to all N submitted on the first service, the time until the submission
 * answers and until the job is FINISHED, cold (every connection new) and warm, with the CPU each
 * part spent per warm job: the services, PostgreSQL, and this JVM (the minion servers).
 */
public final class SharedStoreBench {
    public static void main(String[] args) throws Exception {
        String part = System.getProperty("bench.part", "all");
        Path dir = Files.createTempDirectory("jfunc-shared-bench");
        try (PostgresServer pg = PostgresServer.start(true)) {
            if (part.equals("simulate")) {
                simulate(dir, pg);
                System.exit(0);
            }
            if (!part.equals("failover")) {
                stores(dir, pg, Integer.getInteger("bench.minions", 1000), Integer.getInteger("bench.runs", 5));
            }
            if (!part.equals("store")) {
                failover(dir, pg, Integer.getInteger("bench.failoverMinions", 30), Integer.getInteger("bench.failovers", 3),
                        System.getProperty("bench.lease", "10s"));
            }
        }
        System.exit(0); // the CLI clients of part 2 leave threads
    }

    private static void stores(Path dir, PostgresServer pg, int minions, int runs) throws Exception {
        System.out.println("== MapDB against PostgreSQL, " + minions + " in-JVM TLS minions, medians of " + runs
                + " (status: of 15), alternating ==");
        try (WireMinions fleet = new WireMinions()) {
            List<MinionAddress> addresses = fleet.start(minions);
            StateDir state = fleet.overlordState(dir.resolve("store-state"), addresses);
            String url = pg.newDatabase();
            try (Overlord overlord = Overlord.open(state, FanOut.Limits.defaults())) {
                JobStore mapdb = JobStores.open(state, true, JobStores.Choice.MAPDB);
                JobStore postgres = JobStores.open(state, true, new JobStores.Choice(url, pg.passwordFile()));
                AsyncJobs[] flows = {new AsyncJobs(mapdb, () -> overlord), new AsyncJobs(postgres, () -> overlord)};
                String[] names = {"MapDB (held, as the service)", "PostgreSQL (fsync on, loopback)"};
                Selection all = overlord.select("*");
                MethodCall ping = MethodCall.of("test.ping");
                String[] finished = new String[2];
                for (int s = 0; s < 2; s++) { // warm-up: connections, store open, JIT
                    flows[s].submit(all, ping, null, null);
                    OverlordApi.Submitted w = flows[s].submit(all, ping, null, null);
                    Job done = flows[s].await(w.summary().id(), Duration.ofMinutes(2), null);
                    check(done.state() == JobState.FINISHED && done.minions().size() == minions, "finished");
                    finished[s] = done.id();
                }
                double[][] submit = new double[2][runs];
                for (int i = 0; i < runs; i++) {
                    for (int k = 0; k < 2; k++) {
                        int s = (i + k) % 2; // A B, then B A
                        long t = System.nanoTime();
                        OverlordApi.Submitted sub = flows[s].submit(all, ping, null, null);
                        submit[s][i] = ms(t);
                        check(sub.summary().count(MinionState.RUNNING) == minions, "all accepted");
                    }
                }
                double[][] status = new double[2][15];
                for (int i = 0; i < 15; i++) {
                    for (int k = 0; k < 2; k++) {
                        int s = (i + k) % 2;
                        long t = System.nanoTime();
                        Job j = flows[s].status(List.of(finished[s])).get(finished[s]);
                        status[s][i] = ms(t);
                        check(j.state() == JobState.FINISHED && j.minions().size() == minions, "finished from the store");
                    }
                }
                for (int s = 0; s < 2; s++) {
                    row("async submit to " + minions + ", " + names[s], median(submit[s]), "ms");
                }
                row("  ratio PostgreSQL / MapDB", median(submit[1]) / median(submit[0]), "x");
                for (int s = 0; s < 2; s++) {
                    row("status of a FINISHED " + minions + "-minion job, " + names[s], median(status[s]), "ms");
                }
                row("  ratio PostgreSQL / MapDB", median(status[1]) / median(status[0]), "x");
                mapdb.close();
                postgres.close();
            }
        }
    }

    private static void failover(Path dir, PostgresServer pg, int minions, int rounds, String lease) throws Exception {
        System.out.println("== failover: 3 jfunc-overlord sharing PostgreSQL, " + minions + " real minions, lease "
                + lease + ", kill -9 of one while test.sleep 2 runs on every minion ==");
        try (RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            List<MinionAddress> all = new ArrayList<>();
            for (int i = 0; i < minions; i++) {
                all.add(fleet.start(String.format("f%03d.bench.example.org", i)));
            }
            String url = pg.newDatabase();
            Path conf = Files.writeString(dir.resolve("overlord.conf"), "job_store = " + url + "\njob_store_password_file = "
                    + pg.passwordFile() + "\nlease_ttl = " + lease + "\nmetrics_listen = off\nweb_listen = off\n");
            StateDir[] states = new StateDir[3];
            Process[] services = new Process[3];
            for (int i = 0; i < 3; i++) {
                states[i] = fleet.overlordState(dir.resolve("s" + i), all);
                services[i] = SharedServices.start(states[i], conf, dir.resolve("s" + i + ".log"));
            }
            try {
                double[] took = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    awaitLive(states[0], conf, 3);
                    int victim = 1 + r % 2;
                    int share = SharedServices.shares(SharedServices.status(states[0], conf)).get(SharedServices.name(states[victim]));
                    SharedServices.Run sub = SharedServices.jfunc(states[0], "*", "call", "test", "sleep", "2", "--async");
                    check(sub.code() == 0, sub.err());
                    String id = sub.out().strip();
                    SharedServices.awaitAllRunning(states[0], id, minions);
                    services[victim].destroyForcibly();
                    long killed = System.nanoTime();
                    services[victim].waitFor(30, TimeUnit.SECONDS);
                    SharedServices.Run end = SharedServices.jfunc(states[0], "job", "status", id, "--wait", "--timeout", "120", "--json");
                    took[r] = ms(killed) / 1000.0;
                    check(end.code() == 0 && SharedServices.count(end.out(), "\"state\": \"FINISHED\"") == minions + 1,
                            "finished: " + end.out() + end.err());
                    System.out.printf("  round %d: killed the service with %d of %d minions, job FINISHED %.1f s later%n",
                            r + 1, share, minions, took[r]);
                    services[victim] = SharedServices.start(states[victim], conf, dir.resolve("s" + victim + ".log"));
                }
                row("kill -9 of one of 3 services to the job FINISHED on another (lease " + lease + ")", median(took), "s");
            } finally {
                for (Process p : services) {
                    p.destroy();
                }
                for (Process p : services) {
                    p.waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static void simulate(Path dir, PostgresServer pg) throws Exception {
        int runs = Integer.getInteger("bench.runs", 3);
        List<Integer> services = Arrays.stream(System.getProperty("bench.services", "1,2,3").split(","))
                .map(String::strip).map(Integer::valueOf).toList();
        System.out.println("== simulation: S jfunc-overlord services on one PostgreSQL store, N in-JVM TLS minion"
                + " servers, async test.ping to all; warm figures are medians of " + runs + " ==");
        System.out.printf("%6s %3s  %10s %10s  %10s %10s  %9s %9s %9s  %8s  %s%n", "N", "S", "cold sub", "cold all",
                "warm sub", "warm all", "svc CPU", "pg CPU", "min CPU", "svc RSS", "new TLS connections: cold, each warm");
        for (String size : System.getProperty("bench.sizes", "1000,3000").split(",")) {
            int n = Integer.parseInt(size.strip());
            try (WireMinions fleet = new WireMinions()) {
                List<MinionAddress> addresses = fleet.start(n);
                for (int s : services) {
                    simulateOne(dir.resolve("sim-" + n + "-" + s), pg, fleet, addresses, s, runs);
                }
            }
        }
    }

    /** One row of the simulation: {@code s} fresh services, a fresh database, the same minions. */
    private static void simulateOne(Path dir, PostgresServer pg, WireMinions fleet, List<MinionAddress> addresses, int s,
            int runs) throws Exception {
        String url = pg.newDatabase();
        Files.createDirectories(dir);
        Path conf = Files.writeString(dir.resolve("overlord.conf"), "job_store = " + url + "\njob_store_password_file = "
                + pg.passwordFile() + "\nmetrics_listen = off\nweb_listen = off\nheartbeat_interval = 1h\n");
        StateDir[] states = new StateDir[s];
        List<Process> procs = new ArrayList<>();
        try {
            for (int i = 0; i < s; i++) {
                states[i] = fleet.overlordState(dir.resolve("s" + i), addresses);
                procs.add(SharedServices.start(states[i], conf, dir.resolve("s" + i + ".log")));
            }
            awaitLive(states[0], conf, s);
            try (ServiceClient c = ServiceClient.connect(states[0],
                    FanOut.Limits.defaults())) {
                Selection all = c.select("*");
                long h0 = fleet.handshakes();
                double[] cold = job(c, all, addresses.size());
                List<Long> handshakes = new ArrayList<>(List.of(fleet.handshakes() - h0));
                double[] sub = new double[runs];
                double[] done = new double[runs];
                double[] svc = new double[runs];
                double[] db = new double[runs];
                double[] min = new double[runs];
                for (int r = 0; r < runs; r++) {
                    double s0 = cpu(procs);
                    double d0 = postgresCpu();
                    double m0 = ownCpu();
                    long h = fleet.handshakes();
                    double[] t = job(c, all, addresses.size());
                    handshakes.add(fleet.handshakes() - h);
                    svc[r] = cpu(procs) - s0;
                    db[r] = postgresCpu() - d0;
                    min[r] = ownCpu() - m0;
                    sub[r] = t[0];
                    done[r] = t[1];
                }
                long rss = 0;
                for (Process p : procs) {
                    rss = Math.max(rss, rssKb(p));
                }
                System.out.printf("%6d %3d  %8.0fms %8.0fms  %8.0fms %8.0fms  %8.2fs %8.2fs %8.2fs  %6.0fMB  %s%n",
                        addresses.size(), s, cold[0], cold[1], median(sub), median(done), median(svc), median(db),
                        median(min), rss / 1024.0, handshakes);
            }
        } finally {
            for (Process p : procs) {
                p.destroy();
            }
            for (Process p : procs) {
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** One async test.ping to all: ms until the submission answered, ms until the job is FINISHED. */
    private static double[] job(ServiceClient c, Selection all, int n) throws Exception {
        long t = System.nanoTime();
        OverlordApi.Submitted sub = c.submit(all, MethodCall.of("test.ping"), null, null);
        double submitted = ms(t);
        Job done = c.await(sub.summary().id(), Duration.ofMinutes(5), m -> {});
        double finished = ms(t);
        check(done.state() == JobState.FINISHED && done.minions().size() == n, "finished: " + done.state());
        return new double[] {submitted, finished};
    }

    /** CPU seconds (user + system) of {@code procs}, from /proc: 100 ticks a second. */
    private static double cpu(List<Process> procs) throws IOException {
        double ticks = 0;
        for (Process p : procs) {
            ticks += ticks(p.pid(), false);
        }
        return ticks / 100.0;
    }

    /** CPU seconds of the PostgreSQL server: its live processes plus the children it has reaped. */
    private static double postgresCpu() {
        double ticks = 0;
        for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
            if (h.info().user().orElse("").equals("postgres") || h.info().command().orElse("").endsWith("/postgres")) {
                try {
                    boolean postmaster = h.parent().map(par -> !par.info().command().orElse("").endsWith("/postgres"))
                            .orElse(true);
                    ticks += ticks(h.pid(), postmaster);
                } catch (IOException e) {
                    // it ended meanwhile
                }
            }
        }
        return ticks / 100.0;
    }

    private static double ticks(long pid, boolean withReapedChildren) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        double t = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        if (withReapedChildren) {
            t += Long.parseLong(f[13]) + Long.parseLong(f[14]); // cutime, cstime
        }
        return t;
    }

    private static double ownCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static long rssKb(Process p) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return 0;
    }

    private static void awaitLive(StateDir state, Path conf, int n) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (SharedServices.shares(SharedServices.status(state, conf)).size() != n) {
            check(System.nanoTime() < end, n + " live services");
            Thread.sleep(500);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark check failed: " + what);
        }
    }
}
