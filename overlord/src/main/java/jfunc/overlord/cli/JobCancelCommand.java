package jfunc.overlord.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import jfunc.common.ExitCodes;
import jfunc.common.json.Json;
import jfunc.overlord.CommandExits;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.jobs.MinionState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code jfunc job cancel ID [MINION-TARGET]}. */
@Command(name = "cancel", header = "Stop a job on its minions (all, or those MINION-TARGET names).",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = "  jfunc [--state-dir DIR] job cancel ID [MINION-TARGET] [--json]",
        usageHelpWidth = 90,
        description = {"",
            "Each minion still running the job gets jobs.cancel: it kills the job's process tree (or",
            "drops it from its queue) and records it CANCELLED with who and when; the overlord records",
            "CANCELLED for that minion. Minions not submitted yet (waiting for their batch, or for a",
            "re-send) are CANCELLED without a call. Minions already done are left as they are, and a",
            "FINISHED job is not changed at all (jfunc says so). MINION-TARGET: names or globs of the",
            "job's minions, separated by ';' (e.g. 'web*;db1'). Once every minion is done the job is",
            "FINISHED; job status and job list count the cancelled minions.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc job cancel 20261123-013045-123-7f3a9c01",
            "  jfunc job cancel 20261123-013045-123-7f3a9c01 'web*'"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every minion named is done now (cancelled, or it had ended), or the job had finished",
            "1:some minion could not be cancelled (unreachable, refused): it may still run the job",
            "2:usage error: an unknown job id, or a minion that is not part of the job"})
final class JobCancelCommand implements Callable<Integer> {
    @ParentCommand
    JobCommand job;

    @Parameters(index = "0", paramLabel = "ID", description = "The job id (call --async printed it; job list shows it).")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "MINION-TARGET",
            description = "Only these minions of the job: names or globs, ';' between them (default: all).")
    String minions;

    @Mixin
    OutputOptions output;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() throws Exception {
        OverlordApi.Cancelled c;
        try (OverlordApi overlord = job.root.overlord()) {
            c = overlord.cancel(id, minions == null ? List.of() : List.of(minions));
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UsageException(e.getMessage());
        }
        List<String> notCancelled = new ArrayList<>();
        Map<String, MinionState> states = new LinkedHashMap<>();
        c.job().minions().forEach(m -> states.put(m.minion(), m.state()));
        c.minions().forEach((name, what) -> {
            if (!states.getOrDefault(name, MinionState.RUNNING).isDone()) {
                notCancelled.add(name);
            }
        });
        if (output.json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", c.job().id());
            o.put("state", c.job().state().name());
            o.put("already_finished", c.alreadyFinished());
            o.put("minions", new LinkedHashMap<>(c.minions()));
            o.put("counts", JobView.summaryJson(c.job().summary()).get("counts"));
            job.out().println(Json.writePretty(o));
        } else if (c.alreadyFinished()) {
            job.out().println("job " + c.job().id() + " is FINISHED already; nothing changed ("
                    + JobView.counts(c.job(), CommandExits.ZERO) + ")");
        } else {
            int width = c.minions().keySet().stream().mapToInt(String::length).max().orElse(0);
            for (Map.Entry<String, String> e : c.minions().entrySet()) {
                job.out().println(ResultTable.pad(e.getKey(), width) + "  " + ValueText.clean(e.getValue()));
            }
            job.out().println("job " + c.job().id() + " " + c.job().state() + "; " + JobView.counts(c.job(), CommandExits.ZERO));
        }
        if (!notCancelled.isEmpty()) {
            job.out().flush();
            job.err().println("not cancelled on " + notCancelled.size() + " minion" + (notCancelled.size() == 1 ? "" : "s")
                    + ": " + String.join(", ", notCancelled) + " (jfunc job cancel " + c.job().id() + " again, or job status)");
            return ExitCodes.FAILED;
        }
        return ExitCodes.OK;
    }
}
