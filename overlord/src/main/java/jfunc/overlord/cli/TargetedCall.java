package jfunc.overlord.cli;

import java.io.PrintWriter;
import jfunc.common.Config.ConfigException;
import jfunc.common.StateDir;
import jfunc.overlord.CallResult;
import jfunc.overlord.CommandExits;
import jfunc.overlord.FanOut;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MethodCall;
import jfunc.overlord.NoMatchException;
import jfunc.overlord.Overlord;
import jfunc.overlord.Selection;
import jfunc.overlord.Target;
import jfunc.overlord.TargetException;

/**
 * The flow every calling command shares: check the target's syntax, open the overlord, select
 * the minions, call them with progress on stderr, print the results, return the exit code.
 */
final class TargetedCall {
    private TargetedCall() {}

    /** Makes the call once the minions are known (a check against one of them may come first). */
    @FunctionalInterface
    interface CallMaker {
        MethodCall make(FanOut fanOut, java.util.List<jfunc.overlord.MinionAddress> minions);
    }

    static int run(StateDir state, String target, FanOut.Limits limits, CallMaker maker, boolean json,
                   CommandExits exits, PrintWriter out, PrintWriter err, ResultTable.Style style)
            throws ConfigException, TargetException, NoMatchException {
        Target.parse(target); // syntax errors first, before any file is read
        try (Overlord overlord = Overlord.open(state, limits)) {
            Selection selection = overlord.select(target);
            MethodCall call = maker.make(overlord.fanOut(), selection.minions());
            FanOutListener progress = ProgressLine.forTerminal(err, selection.names().size());
            CallResult result = overlord.call(selection, call, progress);
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
