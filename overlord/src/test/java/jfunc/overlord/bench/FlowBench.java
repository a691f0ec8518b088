package jfunc.overlord.bench;

import jfunc.overlord.OverlordApi;
import static jfunc.overlord.bench.StoreBench.median;
import static jfunc.overlord.bench.StoreBench.ms;
import static jfunc.overlord.bench.StoreBench.row;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jfunc.common.StateDir;
import jfunc.overlord.CallResult;
import jfunc.overlord.FanOut;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.Overlord;
import jfunc.overlord.Selection;
import jfunc.overlord.jobs.AsyncJobs;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.MapDbJobStore;

/**
 * The async flow against {@link WireMinions}: submit to all (first fan-out of the process, so
 * with a TLS handshake per minion, and then over kept-alive connections), submit-to-FINISHED,
 * status of a finished job from the store, and {@code bin/jfunc job status ID} end to end.
 */
final class FlowBench {
    private static final int RUNS = 5;

    static void run(Path dir, int minions, Path repo) throws Exception {
        try (WireMinions fleet = new WireMinions()) {
            long t0 = System.nanoTime();
            List<MinionAddress> addresses = fleet.start(minions);
            row(minions + " minions started (TLS servers, one certificate each)", ms(t0) / 1000.0, "s");
            StateDir state = fleet.overlordState(dir.resolve("flow-state"), addresses);
            try (Overlord overlord = Overlord.open(state, FanOut.Limits.defaults())) {
                AsyncJobs jobs = new AsyncJobs(MapDbJobStore.in(state), () -> overlord);
                Selection all = overlord.select("*");
                MethodCall ping = MethodCall.of("test.ping");
                jobs.store().list(null, null, 1); // the store's first open is not part of a submission

                long t = System.nanoTime();
                OverlordApi.Submitted first = jobs.submit(all, ping, null, null);
                row("async submit, first fan-out (a TLS handshake per minion)", ms(t), "ms");
                check(first.summary().count(jfunc.overlord.jobs.MinionState.RUNNING) == minions, "all accepted");

                double[] submit = new double[RUNS];
                double[] toFinished = new double[RUNS];
                double[] sync = new double[RUNS];
                String finishedId = null;
                for (int i = 0; i < RUNS; i++) {
                    t = System.nanoTime();
                    CallResult r = overlord.call(all, ping, null);
                    sync[i] = ms(t);
                    check(r.allOk(), "sync ping");
                    t = System.nanoTime();
                    OverlordApi.Submitted s = jobs.submit(all, ping, null, null);
                    submit[i] = ms(t);
                    t = System.nanoTime();
                    OverlordApi.Submitted s2 = jobs.submit(all, ping, null, null);
                    Job done = jobs.await(s2.summary().id(), Duration.ofMinutes(2), null);
                    toFinished[i] = ms(t);
                    check(done.state() == JobState.FINISHED && done.minions().size() == minions, "finished");
                    finishedId = done.id();
                    check(s.summary().state() == JobState.PARTIAL, "partial");
                }
                row("sync test.ping fan-out, kept-alive connections (for comparison)", median(sync), "ms");
                row("async submit, kept-alive connections", median(submit), "ms  (target <= 1500)");
                row("submit test.ping to all FINISHED (submit + jobs.wait round)", median(toFinished), "ms");

                double[] status = new double[15];
                for (int i = 0; i < status.length; i++) {
                    t = System.nanoTime();
                    Job j = jobs.status(List.of(finishedId)).get(finishedId);
                    status[i] = ms(t);
                    check(j.state() == JobState.FINISHED, "finished from the store");
                }
                row("status of a FINISHED " + minions + "-minion job (AsyncJobs.status)", median(status), "ms  (target <= 50)");

                Path jfunc = repo.resolve("bin/jfunc");
                if (Files.isExecutable(jfunc)) {
                    String stateDir = state.root().toString();
                    cli(jfunc, stateDir, "job", "status", finishedId); // warm-up: makes the launcher's AppCDS archive
                    double[] e2e = new double[5];
                    double[] list = new double[5];
                    for (int i = 0; i < e2e.length; i++) {
                        e2e[i] = cli(jfunc, stateDir, "job", "status", finishedId);
                        list[i] = cli(jfunc, stateDir, "job", "list");
                    }
                    row("bin/jfunc job status ID, FINISHED, end to end (" + e2e.length + " runs)", median(e2e), "ms");
                    row("bin/jfunc job list, end to end (" + list.length + " runs)", median(list), "ms");
                } else {
                    System.out.println("(bin/jfunc not found under " + repo + ": end-to-end rows skipped)");
                }
            }
        }
    }

    /** Runs bin/jfunc once; returns its wall time in ms (JVM start included). */
    private static double cli(Path jfunc, String stateDir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(jfunc.toString(), "--state-dir", stateDir));
        cmd.addAll(List.of(args));
        long t = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int code = p.waitFor();
        double took = ms(t);
        check(code == 0, "bin/jfunc " + String.join(" ", args) + ": exit " + code);
        return took;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark check failed: " + what);
        }
    }
}
