package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import jfunc.common.Config.ConfigException;
import jfunc.common.ExitCodes;
import jfunc.overlord.MethodCall;
import jfunc.overlord.NoMatchException;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;
import jfunc.overlord.TargetException;
import jfunc.overlord.jobs.MinionJob;
import jfunc.overlord.jobs.MinionState;
import jfunc.common.json.Json;

/**
 * {@code call --async}: submits the call as one job and prints its id on stdout (alone, so
 * {@code id=$(jfunc '*' call ... --async)} works); refusals go to stderr. With {@code --json}:
 * {@code {id, state, minions: {name: {state, job_id? | error?}}}}.
 */
final class AsyncSubmit {
    private AsyncSubmit() {}

    static int run(OverlordApi overlord, String target, TargetedCall.CallMaker maker, Duration deadline,
                   jfunc.overlord.Batch batch, boolean json, PrintWriter out, PrintWriter err)
            throws ConfigException, TargetException, NoMatchException {
        try (overlord) {
            Selection selection = overlord.select(target);
            MethodCall call = maker.make(overlord, selection);
            OverlordApi.Submitted done;
            try (LiveOutput progress = new LiveOutput(call.method(), jfunc.overlord.CommandExits.ZERO,
                    ResultTable.Style.VALUES, false, selection.names().size(), 0, r -> r, out, err)) {
                done = overlord.submit(selection, call, Instant.now().plus(deadline),
                        progress, batch);
            }
            long refused = done.minions().stream().filter(m -> m.state() != MinionState.RUNNING
                    && m.state() != MinionState.WAITING && !m.isElsewhere()).count();
            long elsewhere = done.minions().stream().filter(MinionJob::isElsewhere).count();
            long waiting = done.minions().stream().filter(m -> m.state() == MinionState.WAITING).count();
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("id", done.summary().id());
                o.put("state", done.summary().state().name());
                Map<String, Object> minions = new LinkedHashMap<>();
                for (MinionJob m : done.minions()) {
                    minions.put(m.minion(), JobView.minionJson(m, call.method(), jfunc.overlord.CommandExits.ZERO));
                }
                o.put("minions", minions);
                out.println(Json.writePretty(o));
            } else {
                out.println(done.summary().id());
                for (MinionJob m : done.minions()) {
                    if (m.isElsewhere()) {
                        continue; // counted below
                    }
                    if (m.awaitsResubmission()) {
                        err.println(m.minion() + ": not submitted yet: " + JobView.label(m.error()) + ": "
                                + ValueText.clean(m.error().message()) + "; re-sent with the same request id on each"
                                + " job status until the job's deadline");
                    } else if (m.state() != MinionState.RUNNING && m.state() != MinionState.WAITING && m.error() != null) {
                        err.println(m.minion() + ": not submitted: " + JobView.label(m.error()) + ": "
                                + ValueText.clean(m.error().message()));
                    }
                }
                if (batch != null) {
                    int known = selection.minions().size();
                    err.println("batch 1 of " + batch.batches(known) + ": " + batch.width(known) + " at once; " + waiting
                            + " minion" + (waiting == 1 ? "" : "s") + " wait for their turn (the service submits them as"
                            + " others finish)");
                }
                if (elsewhere > 0) {
                    err.println(elsewhere + " of them are sent by the other services sharing the job store (their share)");
                }
                err.println("submitted to " + (done.minions().size() - refused - waiting) + " of " + done.minions().size()
                        + " minions; follow with: jfunc job status " + done.summary().id() + " --wait");
            }
            return refused == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }
}
