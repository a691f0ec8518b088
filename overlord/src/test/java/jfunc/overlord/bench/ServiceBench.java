package jfunc.overlord.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.Identity;
import jfunc.common.tls.Pem;
import jfunc.overlord.FanOut;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.service.ServiceClient;
import jfunc.overlord.testing.LoopbackFleet;

/**
 * The overlord service end to end, against a real {@code bin/jfunc-overlord} process:
 * <ul>
 * <li>{@code bin/jfunc '*' ping} as a new process through the service and embedded
 *     ({@code --no-service}), interleaved A B in the same minutes, with {@code bin/jfunc
 *     --version} (the JVM start floor of any command) in the same rounds and the CLI's CPU
 *     (/usr/bin/time); the service's own fan-out time for each ping (its metrics);</li>
 * <li>async {@code test.ping} submit to all FINISHED through the service (wire and jfuncd modes);</li>
 * <li>{@code bin/jfunc job status ID} of a finished job;</li>
 * <li>the service's RSS idle, with 1 and with N pooled connections, and threads;</li>
 * <li>a ping after 60 s with no call (longer than a pooled connection is kept idle: only the
 *     service's heartbeat keeps them warm) against one right after, with the handshakes each made.</li>
 * </ul>
 * Minions: {@code jfuncd} (N real bin/jfuncd processes, default), {@code servers} (N minion
 * servers in this JVM), {@code wire} (N light jobs-protocol servers in this JVM, for 1,000) or
 * {@code kept} (N endpoints that answer pings only, in child JVMs, for 10,000: pings only, no
 * embedded rounds). Run with {@code bench/overlord-service [jfuncd|servers|wire|kept] [N]}.
 */
public final class ServiceBench {
    private static Path repo;
    private static StateDir state;
    private static int metricsPort;
    /** The processes that serve the minions (kept: the child JVMs; jfuncd: the jfuncd; else this JVM). */
    private static final List<Process> minionProcesses = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        repo = Path.of(args[0]).toAbsolutePath().normalize();
        String mode = args.length > 1 ? args[1] : "jfuncd";
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int runs = Integer.getInteger("bench.runs", 7);
        Path tmp = Files.createTempDirectory("jfunc-service-bench");
        List<AutoCloseable> minions = new ArrayList<>();
        try {
            state = switch (mode) {
                case "servers" -> {
                    BenchFleet fleet = new BenchFleet(new StateDir(tmp.resolve("minions")));
                    minions.add(fleet);
                    fleet.grow(n);
                    yield LoopbackFleet.writeState(tmp.resolve("state"), fleet.pki, fleet.overlord, fleet.minions);
                }
                case "wire" -> {
                    WireMinions wire = new WireMinions();
                    minions.add(wire);
                    yield wire.overlordState(tmp.resolve("state"), wire.start(n));
                }
                case "jfuncd" -> jfuncds(tmp, n, minions);
                case "kept" -> {
                    TestPki pki = new TestPki("kept-alive-ca");
                    List<Process> children = new ArrayList<>();
                    minions.add(() -> children.forEach(Process::destroy));
                    minionProcesses.addAll(children);
                    yield LoopbackFleet.writeState(tmp.resolve("state"), pki, pki.overlord(),
                            KeptAliveBench.endpoints(pki, n, children));
                }
                default -> throw new IllegalArgumentException("mode: jfuncd, servers, wire or kept");
            };
            run(mode, n, runs, tmp);
        } finally {
            for (AutoCloseable c : minions) {
                c.close();
            }
        }
    }

    private static void run(String mode, int n, int runs, Path tmp) throws Exception {
        metricsPort = freePort();
        ProcessBuilder sb = new ProcessBuilder(repo.resolve("bin/jfunc-overlord").toString(), "--state-dir",
                state.root().toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("service.log").toFile());
        sb.environment().put("JFUNC_METRICS_LISTEN", "127.0.0.1:" + metricsPort);
        Process service = sb.start();
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(tmp.resolve("service.log")).contains("serving ")) {
                if (System.nanoTime() > until || !service.isAlive()) {
                    throw new IllegalStateException("the service did not start: " + Files.readString(tmp.resolve("service.log")));
                }
                Thread.sleep(100);
            }
            String idle = proc(service, "VmRSS");
            System.out.printf("overlord service, %d minions (%s) on loopback, median of %d runs after 1 warm-up, modes"
                            + " interleaved; %d cores shared with other builds, Java %s%n%n", n, mode, runs,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
            String first = state.ca().resolve("records").toFile().list()[0].replace(".properties", "");
            cli(state, first, "ping");
            String one = proc(service, "VmRSS");

            List<Long> via = new ArrayList<>();
            List<Long> embedded = new ArrayList<>();
            List<Long> version = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            List<Long> fanouts = new ArrayList<>();
            boolean pingsOnly = mode.equals("kept");
            // the first rounds make every connection (all fresh handshakes, cold code): a long timeout
            cli(state, "*", "ping", "--timeout", "300");
            List<Long> handshakes = new ArrayList<>();
            List<Long> serviceCpu = new ArrayList<>();
            List<Long> minionCpu = new ArrayList<>();
            for (int i = 0; i <= runs; i++) {
                double[] before = fanout(metricsPort);
                double h0 = metric(metricsPort, "jfunc_handshakes_total");
                double s0 = cpuSeconds(List.of(service));
                double m0 = minionCpuSeconds();
                Timed a = i == 0 ? cli(state, "*", "ping", "--timeout", "300") : cli(state, "*", "ping");
                double[] after = fanout(metricsPort);
                if (i > 0) {
                    fanouts.add((long) ((after[0] - before[0]) * 1e9));
                    handshakes.add((long) (metric(metricsPort, "jfunc_handshakes_total") - h0));
                    serviceCpu.add((long) ((cpuSeconds(List.of(service)) - s0) * 1e9));
                    minionCpu.add((long) ((minionCpuSeconds() - m0) * 1e9));
                }
                Timed b = pingsOnly ? null : i == 0 ? cli(state, "--no-service", "*", "ping", "--timeout", "300")
                        : cli(state, "--no-service", "*", "ping");
                Timed v = cli(state, "--version");
                if (i > 0) {
                    via.add(a.wallNanos);
                    cpu.add(a.cpuSeconds);
                    if (b != null) {
                        embedded.add(b.wallNanos);
                    }
                    version.add(v.wallNanos);
                }
            }
            String warm = proc(service, "VmRSS");
            System.out.printf("%-52s  %9s  %6s  %6s%n", "command", "median ms", "min", "max");
            print("bin/jfunc '*' ping through the service", via);
            if (!pingsOnly) {
                print("bin/jfunc '*' ping embedded (--no-service)", embedded);
            }
            print("bin/jfunc --version (JVM start, no call)", version);
            Collections.sort(cpu);
            if (!pingsOnly) {
                System.out.printf("embedded / service, same rounds: %.1fx%n", median(embedded) / median(via));
            }
            System.out.printf("CLI CPU per ping through the service: %.2f s (median)%n", cpu.get(cpu.size() / 2));
            print("  of which the service's fan-out (its metrics)", fanouts);
            System.out.println("new TLS connections during each ping (heartbeat's included): " + handshakes);
            print("  service CPU per ping, ms (heartbeat's included)", serviceCpu);
            print("  minion side CPU per ping, ms", minionCpu);
            if (pingsOnly) {
                idleAndRss(service, n, idle, one, warm);
                return;
            }

            if (!mode.equals("servers")) {
                List<Long> async = new ArrayList<>();
                try (ServiceClient c = ServiceClient.connect(state, FanOut.Limits.defaults())) {
                    for (int i = 0; i <= 3; i++) {
                        long t0 = System.nanoTime();
                        String id = c.submit(c.select("*"), MethodCall.of("test.ping"), null, null).summary().id();
                        if (c.await(id, Duration.ofSeconds(120), m -> {}).state() != JobState.FINISHED) {
                            throw new IllegalStateException("job " + id + " did not finish");
                        }
                        if (i > 0) {
                            async.add(System.nanoTime() - t0);
                        }
                    }
                }
                print("async test.ping submit to all FINISHED (socket API)", async);
            }
            if (mode.equals("servers")) { // in-JVM minions (BenchFleet): the async figures come from the other modes
                idleAndRss(service, n, idle, one, warm);
                return;
            }
            String id;
            try (ServiceClient c = ServiceClient.connect(state, FanOut.Limits.defaults())) {
                // a job every mode's minions run (the CLI's --async checks the method on the minion first)
                id = c.submit(c.select("*"), MethodCall.of("test.ping"), null, null)
                        .summary().id();
                c.await(id, Duration.ofSeconds(120), m -> {});
            }
            List<Long> status = new ArrayList<>();
            for (int i = 0; i <= runs; i++) {
                Timed t = cli(state, "job", "status", id);
                if (i > 0) {
                    status.add(t.wallNanos);
                }
            }
            print("bin/jfunc job status FINISHED_ID through the service", status);

            idleAndRss(service, n, idle, one, warm);
        } finally {
            service.destroy();
            service.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void idleAndRss(Process service, int n, String idle, String one, String warm) throws Exception {
        {
            Thread.sleep(60_000); // longer than a pooled connection is kept idle: only the heartbeat keeps them
            double[] f0 = fanout(metricsPort);
            double h0 = metric(metricsPort, "jfunc_handshakes_total");
            Timed cold = cli(state, "*", "ping");
            double[] f1 = fanout(metricsPort);
            double h1 = metric(metricsPort, "jfunc_handshakes_total");
            Timed again = cli(state, "*", "ping");
            double[] f2 = fanout(metricsPort);
            double h2 = metric(metricsPort, "jfunc_handshakes_total");
            System.out.printf("ping after 60 s with no call / right after: %.0f ms / %.0f ms end to end, of which the"
                            + " service's fan-out %.0f ms / %.0f ms; new TLS connections %.0f / %.0f%n",
                    cold.wallNanos / 1e6, again.wallNanos / 1e6, (f1[0] - f0[0]) * 1000, (f2[0] - f1[0]) * 1000,
                    h1 - h0, h2 - h1);
            System.out.printf("service RSS: idle %s, 1 pooled connection %s, %d pooled %s (about %.0f kB per pooled"
                            + " connection); at the end %s, %s threads%n", idle, one, n, warm,
                    (kb(warm) - kb(one)) / Math.max(1.0, n - 1), proc(service, "VmRSS"), proc(service, "Threads"));
        }
    }

    /** N real bin/jfuncd processes on 127.0.0.1, each with its own certificate; started 10 at a time. */
    private static StateDir jfuncds(Path tmp, int n, List<AutoCloseable> closers) throws Exception {
        TestPki pki = new TestPki("bench-ca");
        StateDir minionState = new StateDir(tmp.resolve("minions"));
        List<MinionAddress> all = new ArrayList<>();
        List<Process> procs = new ArrayList<>();
        closers.add(() -> {
            procs.forEach(Process::destroy);
            for (Process p : procs) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
        });
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String name = String.format("m%04d.bench", i + 1);
            Identity id = pki.minion(name);
            Path m = Files.createDirectories(minionState.minion(name));
            Files.writeString(m.resolve("minion.key"), Pem.encodePrivateKey(id.key()));
            Files.writeString(m.resolve("minion.crt"), Pem.encode(id.certificate()));
            Files.writeString(m.resolve("ca.crt"), Pem.encode(pki.caCertificate()));
            Files.writeString(m.resolve("crl.pem"), Pem.encode(pki.crl()));
            MinionAddress a = new MinionAddress(name, "127.0.0.1", freePort());
            ProcessBuilder pb = new ProcessBuilder(repo.resolve("bin/jfuncd").toString(), "--state-dir",
                    minionState.root().toString(), "--name", name, "--listen", a.hostPort()).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve(name + ".log").toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("JFUNC_"));
            pb.environment().put("JFUNC_STATE_DIR", minionState.root().toString());
            procs.add(pb.start());
            minionProcesses.add(procs.get(procs.size() - 1));
            all.add(a);
            if (all.size() % 10 == 0 || all.size() == n) {
                for (int j = all.size() - 1; j >= 0 && j >= all.size() - 10; j--) {
                    await(all.get(j), procs.get(j), tmp);
                }
            }
        }
        System.out.printf("%d jfuncd processes up in %.0f s%n", n, (System.nanoTime() - t0) / 1e9);
        return LoopbackFleet.writeState(tmp.resolve("state"), pki, pki.overlord(), all);
    }

    private static void await(MinionAddress a, Process p, Path tmp) throws Exception {
        Path log = tmp.resolve(a.name() + ".log");
        // its own log line, not a connection: another process on that port would pass a connect
        String listening = " listening on /127.0.0.1:" + a.port() + " ";
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < until) {
            if (!p.isAlive()) {
                throw new IllegalStateException(a.name() + " exited: " + Files.readString(log));
            }
            if (Files.exists(log) && Files.readString(log).contains(listening)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(a.name() + " did not listen: " + Files.readString(log));
    }

    /** Sum and count of the service's fan-out seconds for test.ping. */
    private static double[] fanout(int port) throws Exception {
        String text = metricsText(port);
        double sum = 0;
        double count = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("jfunc_fanout_seconds_sum{method=\"test.ping\"}")) {
                sum = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("jfunc_fanout_seconds_count{method=\"test.ping\"}")) {
                count = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return new double[] {sum, count};
    }

    /** One un-labelled series of the service's metrics (0 when absent). */
    private static double metric(int port, String name) throws Exception {
        for (String line : metricsText(port).split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static String metricsText(int port) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String proc(Process p, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).strip();
            }
        }
        return "?";
    }

    /** User plus system CPU of {@code procs} so far, from /proc (clock ticks of 10 ms); gone ones count 0. */
    private static double cpuSeconds(List<Process> procs) {
        double ticks = 0;
        for (Process p : procs) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            } catch (IOException | RuntimeException e) {
                // the process ended
            }
        }
        return ticks / 100.0;
    }

    /** The minion side's CPU: its processes, or this JVM when the minions live here. */
    private static double minionCpuSeconds() {
        if (!minionProcesses.isEmpty()) {
            return cpuSeconds(minionProcesses);
        }
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() / 1e9;
    }

    private static double kb(String rss) {
        return Double.parseDouble(rss.replace("kB", "").strip());
    }

    private static final Set<Integer> PORTS_GIVEN = new HashSet<>();

    /**
     * A loopback port free now and not given out before: the kernel may hand the same free port
     * to two calls, and then one jfuncd cannot listen while the other answers in its place.
     */
    private static int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (PORTS_GIVEN.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    private static double median(List<Long> t) {
        List<Long> s = new ArrayList<>(t);
        Collections.sort(s);
        return s.get(s.size() / 2) / 1e6;
    }

    private static void print(String what, List<Long> t) {
        List<Long> s = new ArrayList<>(t);
        Collections.sort(s);
        System.out.printf("%-52s  %9.0f  %6.0f  %6.0f%n", what, median(s), s.get(0) / 1e6, s.get(s.size() - 1) / 1e6);
    }

    record Timed(long wallNanos, double cpuSeconds, String out) {}

    /** Runs bin/jfunc under /usr/bin/time; a non-zero exit is reported (a failed minion), a hang or usage error fails the bench. */
    private static Timed cli(StateDir state, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "CPU %U %S", repo.resolve("bin/jfunc").toString(),
                "--state-dir", state.root().toString()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile("jfunc-bench", ".err");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        long wall = System.nanoTime() - t0;
        String said = Files.readString(err);
        Files.deleteIfExists(err);
        if (!ended || p.exitValue() >= 2) {
            throw new IllegalStateException(String.join(" ", args) + " failed: " + out + said);
        }
        if (p.exitValue() != 0) {
            System.err.println("(exit " + p.exitValue() + ": " + String.join(" ", args) + ": "
                    + said.substring(Math.max(0, said.length() - 300)).strip() + ")");
        }
        double cpu = 0;
        for (String line : said.split("\n")) {
            if (line.startsWith("CPU ")) {
                String[] f = line.split(" ");
                cpu = Double.parseDouble(f[1]) + Double.parseDouble(f[2]);
            }
        }
        return new Timed(wall, cpu, out);
    }
}
