package jfunc.overlord.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jfunc.overlord.CommandExits;
import jfunc.overlord.MethodCall;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jfunc TARGET pull REMOTE LOCAL_DIR}: getfile.read on every minion, saved as LOCAL_DIR/MINION/NAME. */
@Command(name = "pull", header = "Fetch REMOTE from each minion of TARGET into LOCAL_DIR/MINION/ (getfile.read).",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = "  jfunc [--state-dir DIR] TARGET pull REMOTE LOCAL_DIR [--forks N] [--timeout SECONDS] [--json]",
        usageHelpWidth = 90,
        description = {"",
            "Each minion's copy is saved as LOCAL_DIR/MINION/NAME (NAME: REMOTE's file name), its",
            "sha256 checked. A minion hands out files only below its getfile_roots (minion.conf; no",
            "default, so pull is refused until it is set), follows no symlink, and sends at most",
            "getfile_max_bytes (8 MiB by default) in one answer.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc '*' pull /etc/myapp/app.conf ./configs      (./configs/web1/app.conf, ...)",
            "  jfunc web1 pull /var/log/myapp/app.log . --json"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every minion's file was saved", "1:some minion's was not (refused, too big, unreachable)",
            "2:usage or configuration error (LOCAL_DIR is not a folder)", "3:the target matched no minion"})
final class PullCommand implements Callable<Integer> {
    @ParentCommand
    JfuncCli root;

    @Parameters(index = "0", paramLabel = "REMOTE", description = "The file on each minion.")
    String remote;

    @Parameters(index = "1", paramLabel = "LOCAL_DIR", description = "Where to save the copies (one folder per minion).")
    Path dir;

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
        if (!Files.isDirectory(dir)) {
            throw new ErrorReporter.UsageException("LOCAL_DIR " + dir + " is not a folder");
        }
        return TargetedCall.run(root.overlord(fanOut.limits(root.defaults().limits())), target, (o, s) -> MethodCall.of("getfile.read", remote),
                new TargetedCall.Shown(output.json, results.sort, null, CommandExits.ZERO, ResultTable.Style.VALUES,
                        r -> FileCommands.saved(r, dir)),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
