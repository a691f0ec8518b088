package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import jfunc.common.ExitCodes;
import jfunc.common.Ids;
import jfunc.overlord.CommandExits;
import jfunc.common.Config.ConfigException;
import jfunc.overlord.FanOut;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.MinionJob;
import jfunc.overlord.jobs.MinionState;
import jfunc.common.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code jfunc job status ID... [--wait [--timeout S]] [--json]}. */
@Command(name = "status",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc job status 20261123-013045-123-7f3a9c01", "  jfunc job status \"$id\" --wait --timeout 600", "  jfunc job status \"$a\" \"$b\" --wait --json"}, header = "Show an async job: asks its unfinished minions, answers a FINISHED job from the store.",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = {"  jfunc [--state-dir DIR] job status ID... [--wait [--timeout SECONDS]]",
            "        [--forks N] [--json]"},
        usageHelpWidth = 90,
        description = {"",
            "Only minions still unfinished are asked, one call each (several jobs of one minion in",
            "one jobs.status_many). Once every minion is done (finished, remote_error, lost) the",
            "results are kept in the job store and later calls make no remote call at all.",
            "A minion that cannot be reached stays unfinished (the error is shown) until it answers",
            "or the job's deadline passes. A submission that timed out or found the minion down is",
            "re-sent with the same request id (so it never runs twice) at each status, with backoff",
            "(1 s doubling to 60 s), until the job's deadline. --wait long-polls every unfinished",
            "minion at once (jobs.wait) and prints each result as it arrives.", ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every minion finished without error so far",
            "1:some minion failed, was lost or could not be asked, or --wait ended before the job finished",
            "2:usage error, unknown or malformed job id, or an unusable job store"})
final class JobStatusCommand implements Callable<Integer> {
    static final Duration DEFAULT_WAIT = Duration.ofMinutes(10);

    @ParentCommand
    JobCommand job;

    @Parameters(arity = "1..*", paramLabel = "ID", description = "Job ids (as printed by call --async or job list).")
    List<String> ids = new ArrayList<>();

    @Option(names = "--wait", description = "Wait until the job is FINISHED (or --timeout passes), printing results as they come.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", converter = FanOutOptions.SecondsConverter.class,
            description = "With --wait: how long to wait at most (default 600 s).")
    Duration timeout;

    @Option(names = "--forks", paramLabel = "N", description = "Minions asked at once (default 64).")
    Integer forks;

    @Mixin
    OkExitOption okExit;

    @Mixin
    OutputOptions output;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() throws Exception {
        for (String id : ids) {
            if (!Ids.isValid(id)) {
                throw new ErrorReporter.UsageException("'" + id + "' is not a job id (job ids look like 20261123-013045-123-7f3a9c01)");
            }
        }
        if (timeout != null && !await) {
            throw new ErrorReporter.UsageException("--timeout goes with --wait");
        }
        FanOut.Limits limits;
        try {
            FanOut.Limits d = job.root.defaults().limits();
            limits = forks == null ? d : d.withForks(forks);
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UsageException(e.getMessage());
        }
        try (OverlordApi overlord = job.root.overlord(limits)) {
            return await ? waitForAll(overlord) : show(overlord);
        }
    }

    private int show(OverlordApi jobs) throws ConfigException {
        CommandExits exits = okExit.exits();
        Map<String, Job> found = jobs.status(ids);
        PrintWriter out = job.out();
        List<Object> json = new ArrayList<>();
        boolean failed = false;
        for (String id : ids) {
            Job j = found.get(id);
            if (j == null) {
                continue;
            }
            failed |= failed(j, exits);
            if (output.json) {
                json.add(JobView.jobJson(j, exits));
            } else {
                print(j, exits, out);
            }
        }
        if (output.json) {
            out.println(Json.writePretty(json.size() == 1 ? json.get(0) : json));
        }
        List<String> missing = ids.stream().filter(id -> !found.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            out.flush();
            throw new ErrorReporter.UsageException("no job " + String.join(", ", missing) + " in the job store"
                    + " (purged, or made by another state dir?)");
        }
        return failed ? ExitCodes.FAILED : ExitCodes.OK;
    }

    /**
     * Waits for each job in turn within one --timeout (the jobs run at once on the minions, so
     * this takes about as long as the slowest); with --json prints one array of them at the end.
     */
    private int waitForAll(OverlordApi jobs) throws ConfigException {
        long until = System.nanoTime() + (timeout == null ? DEFAULT_WAIT : timeout).toNanos();
        int code = ExitCodes.OK;
        List<Object> json = new ArrayList<>();
        for (String id : ids) {
            Duration left = Duration.ofNanos(Math.max(0, until - System.nanoTime()));
            code = Math.max(code, waitFor(jobs, id, left, json));
        }
        if (output.json) {
            job.out().println(Json.writePretty(json.size() == 1 ? json.get(0) : json));
        }
        return code;
    }

    private int waitFor(OverlordApi jobs, String id, Duration wait, List<Object> json) throws ConfigException {
        Job start = Optional.ofNullable(jobs.jobs(List.of(id)).get(id)).orElseThrow(() -> new ErrorReporter.UsageException("no job " + id
                + " in the job store (purged, or made by another state dir?)"));
        PrintWriter out = job.out();
        CommandExits exits = okExit.exits();
        String method = start.summary().method();
        int width = JobView.nameWidth(start.minions());
        boolean streaming = !output.json && start.state() != JobState.FINISHED;
        if (streaming) {
            JobView.printHeader(start, exits, out);
            JobView.printTableHeader(width, out);
            for (MinionJob m : start.minions()) {
                if (m.state().isDone()) {
                    JobView.printRow(m, method, exits, width, out);
                }
            }
            out.flush();
        }
        Object lock = new Object();
        Job end = jobs.await(id, wait, m -> {
            if (streaming) {
                synchronized (lock) {
                    JobView.printRow(m, method, exits, width, out);
                    out.flush();
                }
            }
        });
        if (output.json) {
            json.add(JobView.jobJson(end, exits));
        } else if (!streaming) {
            print(end, exits, out);
        } else {
            for (MinionJob m : end.minions()) {
                if (!m.state().isDone()) {
                    JobView.printRow(m, method, exits, width, out);
                }
            }
            out.println("job " + end.id() + " " + end.state() + ": " + JobView.counts(end, exits));
        }
        if (end.state() != JobState.FINISHED) {
            job.err().println("job " + id + " is not finished after " + (timeout == null ? DEFAULT_WAIT : timeout).toSeconds() + " s");
            return ExitCodes.FAILED;
        }
        return failed(end, exits) ? ExitCodes.FAILED : ExitCodes.OK;
    }

    private static void print(Job j, CommandExits exits, PrintWriter out) {
        JobView.printHeader(j, exits, out);
        int width = JobView.nameWidth(j.minions());
        JobView.printTableHeader(width, out);
        for (MinionJob m : j.minions()) {
            JobView.printRow(m, j.summary().method(), exits, width, out);
        }
    }

    /** A minion failed, was lost or finished a command that failed, or the last poll of an unfinished one failed. */
    private static boolean failed(Job j, CommandExits exits) {
        return JobView.failedCommands(j, exits) > 0 || j.minions().stream().anyMatch(m -> m.state().isFailure() || m.state() == MinionState.CANCELLED || (m.state() == MinionState.RUNNING && m.error() != null));
    }
}
