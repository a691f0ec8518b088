package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jfunc.common.ExitCodes;
import java.util.HashMap;
import java.util.Map;
import jfunc.common.Ids;
import jfunc.overlord.CommandExits;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.jobs.MinionState;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobSummary;
import jfunc.common.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code jfunc job list}: jobs from the store, newest first; no remote call. */
@Command(name = "list",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc job list", "  jfunc job list --state running --limit 10", "  jfunc job list --json"}, header = "List async jobs, newest first (from the job store; no minion is called).",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = "  jfunc [--state-dir DIR] job list [--state STATE] [--limit N] [--before ID] [--json]",
        usageHelpWidth = 90,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed", "1:the job store could not be read (busy, I/O)",
            "2:usage error, or a job store that is corrupted or from a newer jfunc"})
final class JobListCommand implements Callable<Integer> {
    @ParentCommand
    JobCommand job;

    @Option(names = "--state", paramLabel = "STATE",
            description = "Only jobs in this state: running, partial, finished or incomplete"
                    + " (running, but its submitting process died).")
    String state;

    @Option(names = "--limit", paramLabel = "N", description = "At most N jobs (default 50, at most 10000).")
    int limit = 50;

    @Option(names = "--before", paramLabel = "ID", description = "Jobs older than this id (the next page).")
    String before;

    @Mixin
    OkExitOption okExit;

    @Mixin
    OutputOptions output;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() throws Exception {
        JobState filter = null;
        if (state != null) {
            try {
                filter = JobState.parse(state);
            } catch (IllegalArgumentException e) {
                throw new ErrorReporter.UsageException(e.getMessage());
            }
        }
        if (limit < 1 || limit > 10_000) {
            throw new ErrorReporter.UsageException("--limit must be between 1 and 10000 (got " + limit + ")");
        }
        if (before != null && !Ids.isValid(before)) {
            throw new ErrorReporter.UsageException("--before: '" + before + "' is not a job id"
                    + " (job ids look like 20261123-013045-123-7f3a9c01)");
        }
        List<JobSummary> jobs;
        Map<String, Integer> failedCommands;
        try (OverlordApi overlord = job.root.overlord()) {
            jobs = overlord.list(filter, before, limit);
            failedCommands = failedCommands(overlord, jobs, okExit.exits());
        }
        PrintWriter out = job.out();
        if (output.json) {
            List<Object> all = new ArrayList<>();
            for (JobSummary s : jobs) {
                Map<String, Object> j = JobView.summaryJson(s);
                j.put("failed", failedOf(s, failedCommands));
                all.add(j);
            }
            out.println(Json.writePretty(all));
        } else if (jobs.isEmpty()) {
            job.err().println("no jobs" + (filter == null ? "" : " in state " + filter.name().toLowerCase(java.util.Locale.ROOT)));
        } else {
            JobView.printList(jobs, failedCommands, out);
            if (jobs.size() == limit) {
                job.err().println("(more with: jfunc job list --before " + jobs.get(jobs.size() - 1).id() + ")");
            }
        }
        return ExitCodes.OK;
    }

    /** By job id: minions that finished a command.run whose exit code is not success (reads only those jobs). */
    private static Map<String, Integer> failedCommands(OverlordApi overlord, List<JobSummary> jobs, CommandExits exits)
            throws jfunc.common.Config.ConfigException {
        List<String> ids = jobs.stream().filter(s -> CommandExits.COMMAND_RUN.equals(s.method())
                && s.count(MinionState.FINISHED) > 0).map(JobSummary::id).toList();
        Map<String, Integer> out = new HashMap<>();
        if (!ids.isEmpty()) {
            overlord.jobs(ids).forEach((id, j) -> out.put(id, JobView.failedCommands(j, exits)));
        }
        return out;
    }

    private static int failedOf(JobSummary s, Map<String, Integer> failedCommands) {
        return s.failures() + failedCommands.getOrDefault(s.id(), 0);
    }
}
