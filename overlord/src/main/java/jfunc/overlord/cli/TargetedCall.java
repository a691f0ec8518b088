package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import jfunc.common.Config.ConfigException;
import jfunc.common.rpc.CallError;
import jfunc.overlord.CallResult;
import jfunc.overlord.CommandExits;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionResult;
import jfunc.overlord.NoMatchException;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;
import jfunc.overlord.TargetException;

/**
 * The flow every calling command shares: select the minions, make the call (which may first
 * ask one minion about the method), call them with rows and progress as they answer, print the
 * rest, return the exit code.
 */
final class TargetedCall {
    private TargetedCall() {}

    /** Makes the call once the minions are known (a check against one of them may come first). */
    @FunctionalInterface
    interface CallMaker {
        MethodCall make(OverlordApi overlord, Selection selection) throws ConfigException;
    }

    /**
     * How results are shown.
     *
     * @param json   one JSON object at the end (target order)
     * @param sort   the table at the end in target order, instead of rows as minions answer
     * @param fields {@code --table} columns (printed at the end), or null
     * @param exits  which command.run exit codes are success
     * @param style  what RESULT shows
     * @param after  applied once to each minion's result before it is shown (pull saves the file)
     */
    record Shown(boolean json, boolean sort, List<String> fields, CommandExits exits, ResultTable.Style style,
                 UnaryOperator<MinionResult> after) {
        Shown(boolean json, boolean sort, List<String> fields, CommandExits exits, ResultTable.Style style) {
            this(json, sort, fields, exits, style, UnaryOperator.identity());
        }

        /** Rows as minions answer: for a table of more than one minion (one row needs no streaming, and fits its widths). */
        boolean streams(int minions) {
            return !json && !sort && fields == null && minions > 1;
        }
    }

    static int run(OverlordApi overlord, String target, CallMaker maker, Shown shown, PrintWriter out, PrintWriter err)
            throws ConfigException, TargetException, NoMatchException {
        return run(overlord, target, maker, shown, null, true, out, err);
    }

    /** As {@link #run(OverlordApi, String, CallMaker, Shown, PrintWriter, PrintWriter)}, as a rolling {@code batch} (null: none). */
    static int run(OverlordApi overlord, String target, CallMaker maker, Shown shown, jfunc.overlord.Batch batch,
                   boolean merge, PrintWriter out, PrintWriter err) throws ConfigException, TargetException, NoMatchException {
        try (overlord) {
            Selection selection;
            try {
                selection = overlord.select(target);
            } catch (NoMatchException e) {
                if (shown.json()) {
                    out.println("{}"); // scripts get an empty map, not nothing
                }
                throw e;
            }
            MethodCall call = maker.make(overlord, selection);
            UnaryOperator<MinionResult> located = located(selection);
            Map<String, MinionResult> finished = new java.util.concurrent.ConcurrentHashMap<>();
            UnaryOperator<MinionResult> finish = r -> finished.computeIfAbsent(r.minion(),
                    n -> shown.after().apply(located.apply(r)));
            int nameWidth = Math.max("MINION".length(), selection.names().stream().mapToInt(String::length).max().orElse(0));
            CallResult result;
            try (LiveOutput live = new LiveOutput(call.method(), shown.exits(), shown.style(), shown.streams(selection.names().size()),
                    selection.names().size(), nameWidth, finish, out, err)) {
                if (batch != null) {
                    live.batches(batch, selection.minions().size());
                }
                result = overlord.call(selection, call, null, live, batch, merge);
            }
            result = new CallResult(result.method(), result.results().stream().map(finish).toList(), result.jobId(),
                    result.stillRunning());
            return report(selection, result, shown, out, err);
        }
    }

    /** A flow of several calls per minion (a chunked file transfer): its results in target order. */
    @FunctionalInterface
    interface Flow {
        CallResult run(OverlordApi overlord, Selection selection) throws ConfigException, java.io.IOException;
    }

    /** Selects the minions, runs {@code flow}, prints its results as a table (target order) or JSON. */
    static int runFlow(OverlordApi overlord, String target, Flow flow, boolean json, PrintWriter out, PrintWriter err)
            throws ConfigException, TargetException, NoMatchException, java.io.IOException {
        try (overlord) {
            Selection selection;
            try {
                selection = overlord.select(target);
            } catch (NoMatchException e) {
                if (json) {
                    out.println("{}");
                }
                throw e;
            }
            CallResult r = flow.run(overlord, selection);
            UnaryOperator<MinionResult> located = located(selection);
            r = new CallResult(r.method(), r.results().stream().map(located).toList());
            return report(selection, r, new Shown(json, true, null, CommandExits.ZERO, ResultTable.Style.VALUES), out, err);
        }
    }

    /** Prints what the rows did not show yet (the table, JSON, failures) and returns the exit code. */
    static int report(Selection selection, CallResult result, Shown shown, PrintWriter out, PrintWriter err) {
        int failed = shown.exits().failedMinions(result);
        if (shown.json()) {
            out.println(ResultJson.render(result, shown.exits()));
        } else {
            if (shown.fields() != null) {
                ResultTable.printFields(result, shown.fields(), shown.exits(), out);
            } else if (!shown.streams(selection.names().size())) {
                ResultTable.print(result, shown.style(), shown.exits(), out);
            }
            if (failed > 0) {
                out.flush();
                err.println(failed + " of " + result.results().size() + " minions failed");
            }
            List<String> skipped = selection.revoked().stream().filter(n -> !selection.names().contains(n)).toList();
            if (!skipped.isEmpty()) {
                err.println("not called, revoked by the CA: " + String.join(", ", skipped)
                        + " (jfunc-ca clean NAME forgets one)");
            }
        }
        if (!result.stillRunning().isEmpty()) {
            // through the service: --timeout passed; the answers still coming are recorded in the job
            out.flush();
            err.println("still running on " + result.stillRunning().size() + " minion"
                    + (result.stillRunning().size() == 1 ? "" : "s") + ": jfunc job status " + result.jobId());
        }
        return JfuncCli.ok(failed == 0 && result.stillRunning().isEmpty());
    }

    /** Unreachable errors say where jfunc tried: "127.0.0.1:51234: Connection refused". */
    static UnaryOperator<MinionResult> located(Selection selection) {
        Map<String, String> at = new HashMap<>();
        selection.minions().forEach(m -> at.put(m.name(), m.hostPort()));
        return r -> {
            String where = at.get(r.minion());
            if (r.ok() || r.error().kind() != CallError.Kind.UNREACHABLE || where == null
                    || r.error().message().startsWith(where)) {
                return r;
            }
            return MinionResult.failure(r.minion(), new CallError(CallError.Kind.UNREACHABLE, r.error().faultCode(),
                    where + ": " + r.error().message()), r.elapsed());
        };
    }
}
