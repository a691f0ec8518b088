package jfunc.overlord.cli;

import java.io.PrintWriter;
import jfunc.common.Config.ConfigException;
import jfunc.overlord.CallResult;
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

    static int run(OverlordApi overlord, String target, CallMaker maker, boolean json,
                   CommandExits exits, PrintWriter out, PrintWriter err, ResultTable.Style style)
            throws ConfigException, TargetException, NoMatchException {
        try (overlord) {
            Selection selection = overlord.select(target);
            MethodCall call = maker.make(overlord, selection);
            FanOutListener progress = ProgressLine.forTerminal(err, selection.names().size());
            CallResult result = overlord.call(selection, call, null, progress);
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
