package jfunc.overlord.cli;

import java.util.concurrent.Callable;
import jfunc.overlord.CommandExits;
import jfunc.overlord.MethodCall;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jfunc TARGET ping}: test.ping on every minion. */
@Command(name = "ping",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc '*' ping", "  jfunc '@webservers;!web3' ping --timeout 5 --sort", "  jfunc '*' ping --json"}, header = "Check that each minion of TARGET answers (test.ping).",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = "  jfunc [--state-dir DIR] TARGET ping [--forks N] [--timeout SECONDS] [--json]",
        usageHelpWidth = 90,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every minion answered", "1:some minion did not", "2:usage or configuration error",
            "3:the target matched no minion"})
final class PingCommand implements Callable<Integer> {
    @ParentCommand
    JfuncCli root;

    @Mixin
    FanOutOptions fanOut;

    @Mixin
    OutputOptions output;

    @Mixin
    ResultOptions results;

    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String target = root.requireTarget(spec);
        return TargetedCall.run(root.overlord(fanOut.limits(root.defaults().limits())), target, (o, s) -> MethodCall.of("test.ping"),
                new TargetedCall.Shown(output.json, results.sort, null, CommandExits.ZERO, ResultTable.Style.PING),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
