package jfunc.overlord.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jfunc.common.Ids;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobSummary;
import jfunc.overlord.jobs.MapDbJobStore;
import jfunc.overlord.jobs.MinionJob;
import jfunc.overlord.jobs.StoreFill;
import jfunc.overlord.service.OverlordService;
import jfunc.overlord.service.ServiceTesting;
import jfunc.overlord.testing.LoopbackFleet;
import jfunc.overlord.web.Dashboard;
import jfunc.overlord.web.WebToken;

/**
 * {@code bench/dashboard}: a real jfunc-overlord with N in-JVM TLS minions (default 1000) and a
 * job store of J finished jobs (default 100,000) plus one finished N-minion command job. Times
 * dashboard pages over loopback HTTP (request sent to body fully read: an upper bound of the
 * server time), medians of 20 after 3 warm-ups; then the heartbeat's CPU: JVM CPU time per
 * interval with the heartbeat pinging N minions, against the same fleet idle before the
 * service started, split by thread group.
 */
public final class DashboardBench {
    private static final int RUNS = 20;

    public static void main(String[] args) throws Exception {
        int minions = Integer.getInteger("bench.minions", 1000);
        int jobs = Integer.getInteger("bench.jobs", 100_000);
        Duration interval = Duration.ofSeconds(Integer.getInteger("bench.heartbeatSeconds", 10));
        int intervals = Integer.getInteger("bench.intervals", 3);
        Path dir = Files.createTempDirectory("jfunc-dashboard-bench");
        try (WireMinions fleet = new WireMinions()) {
            List<MinionAddress> all = fleet.start(minions);
            StateDir state = LoopbackFleet.writeState(dir.resolve("state"), fleet.pki, fleet.pki.overlord(), all);
            String big = fill(state, all, jobs);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            double idle = cpuSeconds(interval.multipliedBy(intervals)) / intervals;

            Map<String, Long> before = byGroup(threads);
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            try (OverlordService service = ServiceTesting.startWithDashboard(state, interval)) {
                String base = "http://127.0.0.1:" + service.dashboardPort();
                String cookie = Dashboard.COOKIE + "=" + WebToken.load(state.overlord()).value();
                HttpClient http = HttpClient.newHttpClient();
                row("fleet: minions (in this JVM, TLS), jobs in the store", minions, jobs + " + 1 of " + minions + " minions");
                row("first /jobs after start (counts the states)", once(http, base + "/jobs", cookie), "ms");
                time(http, base, cookie, "/jobs", "jobs page, newest 50 of " + jobs, "target <= 200 ms");
                time(http, base, cookie, "/api/jobs", "  its live JSON (/api/jobs)", "");
                time(http, base, cookie, "/jobs?state=finished", "  state filter finished", "");
                String older = firstOlderLink(get(http, base + "/jobs", cookie));
                time(http, base, cookie, older, "  next page (before=ID)", "");
                time(http, base, cookie, "/job/" + big, "job page of a " + minions + "-minion job (first 100 rows)",
                        "target <= 300 ms");
                time(http, base, cookie, "/api/job/" + big, "  its live JSON", "");
                time(http, base, cookie, "/job/" + big + "?show=failed&page=1", "  show=failed (1 in 10 exit 1)", "");
                time(http, base, cookie, "/job/" + big + "?page=10", "  page 10", "");
                time(http, base, cookie, "/minions", "minions page of " + minions + " (first 100 rows)", "");
                time(http, base, cookie, "/api/minions", "  its live JSON", "");
                time(http, base, cookie, "/health", "health page", "");

                // heartbeat: let the pages' load settle, then measure whole intervals
                long settle = System.nanoTime() + interval.toNanos();
                while (System.nanoTime() < settle) {
                    Thread.sleep(50);
                }
                Map<String, Long> hbBefore = byGroup(threads);
                long c0 = processCpuNanos();
                long w0 = System.nanoTime();
                Thread.sleep(interval.multipliedBy(intervals).toMillis());
                double cpu = (processCpuNanos() - c0) / 1e9 / intervals;
                double wall = (System.nanoTime() - w0) / 1e9;
                Map<String, Long> hbAfter = byGroup(threads);
                String health = get(http, base + "/api/health", cookie);
                row("heartbeat interval (pings " + minions + " minions each)", interval.toSeconds(), "s");
                row("JVM CPU per interval, heartbeat on (service + minions)", cpu, "s");
                row("JVM CPU per interval, same fleet before the service", idle, "s");
                row("  heartbeat cost per " + minions + " minions per interval", cpu - idle, "CPU s (upper bound: minion side incl.)");
                row("  share of one core", 100 * (cpu - idle) / interval.toSeconds(), "%");
                row("measured over", wall, "s");
                System.out.println("CPU per interval by thread group (s):");
                Map<String, Long> delta = new TreeMap<>();
                hbAfter.forEach((k, v) -> delta.put(k, v - hbBefore.getOrDefault(k, 0L)));
                delta.entrySet().stream().filter(e -> e.getValue() > 1_000_000L * intervals)
                        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                        .forEach(e -> System.out.printf("  %-40s %8.3f%n", e.getKey(), e.getValue() / 1e9 / intervals));
                System.out.println("health: " + health.replaceAll(".*\"Heartbeat\",\"([^\"]*)\".*", "$1")
                        + "; handshakes: " + health.replaceAll(".*\"TLS handshakes since start\",\"([^\"]*)\".*", "$1"));
            }
            System.out.printf("(whole service run %.1f s, JVM CPU %.1f s)%n", (System.nanoTime() - t0) / 1e9,
                    (processCpuNanos() - cpu0) / 1e9);
        }
    }

    /** N finished small jobs, then one finished N-minion command.run job (1 in 10 exit 1, 1 in 20 with 40 lines). */
    static String fill(StateDir state, List<MinionAddress> all, int jobs) throws Exception {
        Files.createDirectories(state.overlord());
        MapDbJobStore store = new MapDbJobStore(state.overlord().resolve("jobs.db"), Duration.ofSeconds(30));
        long t = System.nanoTime();
        int batch = 5000;
        for (int made = 0; made < jobs; made += batch) {
            List<Job> list = new ArrayList<>(batch);
            for (int i = 0; i < batch && made + i < jobs; i++) {
                Job j = Job.submitting(Ids.next(), "db*", "command.run", "['yum -y update']", Instant.now(), null,
                        List.of("db1.example.org", "db2.example.org"));
                List<MinionJob> finished = new ArrayList<>();
                for (MinionJob m : j.minions()) {
                    finished.add(MinionJob.finished(m.minion(), Ids.next(), new Object[] {0, "ok\n", ""}, Instant.now()));
                }
                JobSummary s = j.summary();
                Map<jfunc.overlord.jobs.MinionState, Integer> counts = Map.of(jfunc.overlord.jobs.MinionState.FINISHED, 2);
                list.add(new Job(new JobSummary(s.id(), s.target(), s.method(), s.args(), s.submitted(), null,
                        JobState.FINISHED, null, counts), finished));
            }
            StoreFill.createAll(store, list);
        }
        List<String> names = all.stream().map(MinionAddress::name).toList();
        Job big = Job.submitting(Ids.next(), "*", "command.run", "['uptime']", Instant.now(), null, names);
        store.create(big);
        List<MinionJob> done = new ArrayList<>();
        StringBuilder forty = new StringBuilder();
        for (int l = 1; l <= 40; l++) {
            forty.append("line ").append(l).append(" of a longer output <b>not bold</b>\n");
        }
        for (int i = 0; i < names.size(); i++) {
            String out = i % 20 == 0 ? forty.toString() : " 03:57:00 up 12 days,  4:01,  1 user,  load average: 0.08\n";
            done.add(MinionJob.finished(names.get(i), Ids.next(), new Object[] {i % 10 == 0 ? 1 : 0, out, ""}, Instant.now()));
        }
        store.update(big.id(), done, true);
        store.close();
        row("filled the store", (System.nanoTime() - t) / 1e9, "s");
        return big.id();
    }

    static double once(HttpClient http, String url, String cookie) throws Exception {
        long t = System.nanoTime();
        get(http, url, cookie);
        return (System.nanoTime() - t) / 1e6;
    }

    static void time(HttpClient http, String base, String cookie, String path, String what, String note) throws Exception {
        for (int i = 0; i < 3; i++) {
            get(http, base + path, cookie);
        }
        double[] v = new double[RUNS];
        int bytes = 0;
        for (int i = 0; i < RUNS; i++) {
            long t = System.nanoTime();
            bytes = get(http, base + path, cookie).length();
            v[i] = (System.nanoTime() - t) / 1e6;
        }
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        System.out.printf("%-62s %10.1f  ms (min %.1f, max %.1f, %d KiB) %s%n", what, StoreBench.median(v), s[0],
                s[s.length - 1], bytes / 1024, note);
    }

    static String get(HttpClient http, String url, String cookie) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Cookie", cookie)
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + ": HTTP " + r.statusCode());
        }
        return r.body();
    }

    static String firstOlderLink(String jobsPage) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("href=\"(/jobs\\?before=[^\"]+)\"").matcher(jobsPage);
        if (!m.find()) {
            throw new IllegalStateException("no older link");
        }
        return m.group(1).replace("&amp;", "&");
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static double cpuSeconds(Duration over) throws InterruptedException {
        long c = processCpuNanos();
        Thread.sleep(over.toMillis());
        return (processCpuNanos() - c) / 1e9;
    }

    /** CPU time by thread name without its trailing numbers (a pool). */
    static Map<String, Long> byGroup(ThreadMXBean threads) {
        Map<String, Long> out = new TreeMap<>();
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu > 0) {
                out.merge(info.getThreadName().replaceAll("[-@]?[0-9a-f]*[0-9]+[0-9a-f]*$", "").replaceAll("[0-9]+", "N"),
                        cpu, Long::sum);
            }
        }
        return out;
    }

    static void row(String what, double value, String unit) {
        StoreBench.row(what, value, unit);
    }
}
