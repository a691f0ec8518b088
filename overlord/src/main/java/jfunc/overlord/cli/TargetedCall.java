package jfunc.overlord.cli;

import java.io.PrintWriter;
import jfunc.common.Config.ConfigException;
import jfunc.common.rpc.CallError;
import jfunc.overlord.CallResult;
import jfunc.overlord.MinionResult;
import jfunc.overlord.CommandExits;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MethodCall;
import jfunc.overlord.NoMatchException;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;
import jfunc.overlord.TargetException;

/**
 * The flow every calling command shares: select
 * the minions, call them with progress on stderr, print the results, return the exit code.
 */
final class TargetedCall {
    private TargetedCall() {}

    /** Makes the call once the minions are known (a check against one of them may come first). */
    @FunctionalInterface
    interface CallMaker {
        MethodCall make(OverlordApi overlord, Selection selection) throws ConfigException;
    }

    /** Unreachable errors say where jfunc tried: "127.0.0.1:51234: Connection refused". */
    static CallResult withAddresses(CallResult result, Selection selection) {
        java.util.Map<String, String> at = new java.util.HashMap<>();
        selection.minions().forEach(m -> at.put(m.name(), m.hostPort()));
        java.util.List<MinionResult> out = new java.util.ArrayList<>(result.results().size());
        for (MinionResult r : result.results()) {
            String where = at.get(r.minion());
            if (!r.ok() && r.error().kind() == CallError.Kind.UNREACHABLE && where != null
                    && !r.error().message().contains(where)) {
                r = MinionResult.failure(r.minion(), new CallError(CallError.Kind.UNREACHABLE, r.error().faultCode(),
                        where + ": " + r.error().message()), r.elapsed());
            }
            out.add(r);
        }
        return new CallResult(result.method(), out);
    }

    static int run(OverlordApi overlord, String target, CallMaker maker, boolean json,
                   CommandExits exits, PrintWriter out, PrintWriter err, ResultTable.Style style)
            throws ConfigException, TargetException, NoMatchException {
        try (overlord) {
            Selection selection = overlord.select(target);
            MethodCall call = maker.make(overlord, selection);
            FanOutListener progress = ProgressLine.forTerminal(err, selection.names().size());
            CallResult result = withAddresses(overlord.call(selection, call, null, progress), selection);
            if (progress instanceof ProgressLine p) {
                p.clear();
            }
            int failed = exits.failedMinions(result);
            if (json) {
                out.println(ResultJson.render(result, exits));
            } else {
                ResultTable.print(result, style, exits, out);
                if (failed > 0) {
                    err.println(failed + " of " + result.results().size() + " minions failed");
                }
            }
            return JfuncCli.ok(failed == 0);
        }
    }
}
