package jfunc.overlord.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jfunc.common.Ids;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobSummary;
import jfunc.overlord.jobs.MapDbJobStore;
import jfunc.overlord.jobs.MinionJob;
import jfunc.overlord.jobs.StoreFill;

/**
 * The job store alone: reading a finished 1,000-minion job, {@code job list} pages with 100,000
 * jobs stored, bytes per job, and the cost of the first open in a fresh JVM. Prints a table of
 * medians. Run by {@link JobsBench}.
 */
final class StoreBench {
    private static final int RUNS = 15;

    static void run(Path dir, int listJobs) throws Exception {
        MapDbJobStore store = new MapDbJobStore(dir.resolve("jobs.db"), Duration.ofSeconds(30));
        long t0 = System.nanoTime();
        store.list(null, null, 1);
        row("first open in this JVM (creates the file)", ms(t0), "");

        // one finished job of 1,000 minions, each with a command.run-like result
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            names.add(String.format("web%04d.example.org", i));
        }
        Job big = Job.submitting(Ids.next(), "web*", "command.run", "['uptime']", Instant.now(), null, names);
        store.create(big);
        List<MinionJob> done = new ArrayList<>();
        for (String n : names) {
            done.add(MinionJob.finished(n, Ids.next(), new Object[] {0, " 03:57:00 up 12 days,  4:01,  1 user,  load average: 0.08, 0.03, 0.01\n", ""}, Instant.now()));
        }
        long t1 = System.nanoTime();
        store.update(big.id(), done, true);
        row("record 1,000 results in one update (one commit)", ms(t1), "ms");
        double[] get = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t = System.nanoTime();
            Job j = store.get(big.id()).orElseThrow();
            get[i] = ms(t);
            if (j.state() != JobState.FINISHED || j.minions().size() != 1000) {
                throw new IllegalStateException("bad read");
            }
        }
        row("status of a FINISHED 1,000-minion job (store.get)", median(get), "target <= 50 ms");

        // many small jobs for job list
        long fillStart = System.nanoTime();
        long sizeBefore = Files.size(store.file());
        int batch = 5000;
        for (int made = 0; made < listJobs; made += batch) {
            List<Job> jobs = new ArrayList<>(batch);
            for (int i = 0; i < batch && made + i < listJobs; i++) {
                // 9 of 10 finished with small results, the rest still submitting (this process)
                Job j = Job.submitting(Ids.next(), "db*", "command.run", "['yum -y update']", Instant.now(), null,
                        List.of("db1.example.org", "db2.example.org"));
                if (i % 10 != 0) {
                    List<MinionJob> finished = new ArrayList<>();
                    for (MinionJob m : j.minions()) {
                        finished.add(MinionJob.finished(m.minion(), Ids.next(), new Object[] {0, "ok\n", ""}, Instant.now()));
                    }
                    JobSummary s = j.summary();
                    j = new Job(new JobSummary(s.id(), s.target(), s.method(), s.args(), s.submitted(), null,
                            JobState.FINISHED, null, s.counts()), finished);
                }
                jobs.add(j);
            }
            StoreFill.createAll(store, jobs);
        }
        long perJob = (Files.size(store.file()) - sizeBefore) / listJobs;
        row("filled " + listJobs + " jobs (2 minions each)", ms(fillStart) / 1000.0, "s");
        row("  store bytes per job (2 minions, 9 in 10 with results)", perJob, "bytes");
        double[] list = new double[RUNS];
        double[] listState = new double[RUNS];
        double[] page2 = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t = System.nanoTime();
            var first = store.list(null, null, 50);
            list[i] = ms(t);
            t = System.nanoTime();
            store.list(null, first.get(first.size() - 1).id(), 50);
            page2[i] = ms(t);
            t = System.nanoTime();
            store.list(JobState.FINISHED, null, 50);
            listState[i] = ms(t);
        }
        row("job list, first page of 50, " + listJobs + " jobs stored", median(list), "target <= 100 ms");
        row("job list, next page (--before ID)", median(page2), "");
        row("job list --state finished, first page", median(listState), "");
        row("store file size", Files.size(store.file()) / 1024.0 / 1024.0, "MiB");

        // first open in a fresh JVM: the cost a `jfunc job ...` command pays
        double[] fresh = new double[3];
        for (int i = 0; i < fresh.length; i++) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                    "-cp", System.getProperty("java.class.path"), FreshOpen.class.getName(), store.file().toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            fresh[i] = Double.parseDouble(new String(p.getInputStream().readAllBytes()).trim());
            p.waitFor();
        }
        row("first store open + list in a fresh JVM (" + fresh.length + " runs)", median(fresh), "ms");
    }

    /** Child: times opening the store and listing one page. */
    static final class FreshOpen {
        public static void main(String[] args) {
            long t = System.nanoTime();
            new MapDbJobStore(Path.of(args[0]), Duration.ofSeconds(30)).list(null, null, 50);
            System.out.println(ms(t));
        }
    }

    static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static void row(String what, double value, String unit) {
        System.out.printf("%-62s %10.1f  %s%n", what, value, unit);
    }
}
