package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jfunc job list | status ID [--wait] | purge --older-than DURATION}. */
@Command(name = "job",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc job list", "  jfunc job status 20261123-013045-123-7f3a9c01 --wait",
            "  jfunc job cancel 20261123-013045-123-7f3a9c01", "  jfunc job purge --older-than 30d"}, header = "Async jobs (started with call --async): list, status ID [--wait], cancel ID, purge.",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = {
            "  jfunc [--state-dir DIR] job list [--state STATE] [--limit N] [--before ID] [--json]",
            "  jfunc [--state-dir DIR] job status ID... [--wait [--timeout SECONDS]] [--json]",
            "  jfunc [--state-dir DIR] job cancel ID [MINION-TARGET]",
            "  jfunc [--state-dir DIR] job purge --older-than DURATION",
        },
        description = {"",
            "Jobs live in STATE/overlord/jobs.db. A job is RUNNING while the overlord submits it,",
            "PARTIAL once every minion has its own job id, FINISHED when every minion finished,",
            "failed (remote_error) or lost the job; INCOMPLETE when the submitting process died",
            "mid-way (the next status settles it). Several jfunc processes may use the store at",
            "once; one that waits more than 10 s for it (JFUNC_STORE_WAIT, e.g. 30s) gives up",
            "with a message (exit 1).", ""},
        usageHelpWidth = 90,
        subcommands = {JobListCommand.class, JobStatusCommand.class, JobCancelCommand.class, JobPurgeCommand.class})
final class JobCommand implements Callable<Integer> {
    @ParentCommand
    JfuncCli root;

    @picocli.CommandLine.Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing job command: list, status ID, cancel ID or purge --older-than DURATION");
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
