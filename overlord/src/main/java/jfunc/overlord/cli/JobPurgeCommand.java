package jfunc.overlord.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import jfunc.common.Durations;
import jfunc.common.ExitCodes;
import jfunc.overlord.OverlordApi;
import jfunc.common.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code jfunc job purge --older-than DURATION}. */
@Command(name = "purge",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc job purge --older-than 30d", "  jfunc job purge --older-than 12h"}, header = "Delete jobs submitted more than DURATION ago from the job store.",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = "  jfunc [--state-dir DIR] job purge --older-than DURATION [--json]",
        usageHelpWidth = 90,
        description = {"", "DURATION: 30d, 12h, 1h30m, 90s... Jobs in any state are deleted, except one that a",
            "running jfunc is still submitting. Minions keep their own job records and purge them",
            "after their own retention.", ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:purged (maybe nothing)", "1:the job store could not be used (busy, I/O)",
            "2:usage error, or a job store that is corrupted or from a newer jfunc"})
final class JobPurgeCommand implements Callable<Integer> {
    @ParentCommand
    JobCommand job;

    @Option(names = "--older-than", paramLabel = "DURATION", required = true,
            description = "Age of the jobs to delete, e.g. 30d, 12h, 90m.")
    String olderThan;

    @Mixin
    OutputOptions output;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() throws Exception {
        Duration age;
        try {
            age = Durations.parse(olderThan);
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UsageException("--older-than: " + e.getMessage());
        }
        Instant cutoff = Instant.now().minus(age);
        int n;
        try (OverlordApi overlord = job.root.overlord()) {
            n = overlord.purge(cutoff);
        }
        if (output.json) {
            job.out().println(Json.write(java.util.Map.of("purged", n, "before", cutoff.toString())));
        } else {
            job.out().println("purged " + n + (n == 1 ? " job" : " jobs") + " submitted before " + cutoff);
        }
        return ExitCodes.OK;
    }
}
