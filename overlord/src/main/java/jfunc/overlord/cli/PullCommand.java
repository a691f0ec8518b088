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

/** {@code jfunc TARGET pull REMOTE LOCAL_DIR}: a chunked copy from every minion, saved as LOCAL_DIR/MINION/NAME. */
@Command(name = "pull", header = "Fetch REMOTE from each minion of TARGET into LOCAL_DIR/MINION/ (getfile.stat/chunk).",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = "  jfunc [--state-dir DIR] TARGET pull REMOTE LOCAL_DIR [--forks N] [--timeout SECONDS] [--json]",
        usageHelpWidth = 90,
        description = {"",
            "Each minion's copy is saved as LOCAL_DIR/MINION/NAME (NAME: REMOTE's file name). Files of",
            "any size come in chunks of 1 MiB (getfile.stat/chunk), written to a hidden part file",
            "there; the SHA-256 of the whole file is checked and only then is it renamed to NAME. A",
            "pull cut off resumes from the part file when run again. A minion hands out files only",
            "below its getfile_roots (minion.conf; no default, so pull is refused until it is set),",
            "never through a symlink, and refuses a file swapped for a link or another file during",
            "the copy. The data comes to this process directly, also when jfunc-overlord runs.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc '*' pull /etc/myapp/app.conf ./configs      (./configs/web1/app.conf, ...)",
            "  jfunc web1 pull /var/log/myapp/app.log . --json"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every minion's file was saved", "1:some minion's was not (refused, changed during the copy, unreachable, local disk full)",
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
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String target = root.requireTarget(spec);
        if (!Files.isDirectory(dir)) {
            throw new ErrorReporter.UsageException("LOCAL_DIR " + dir + " is not a folder");
        }
        jfunc.overlord.FanOut.Limits limits = fanOut.limits(root.defaults().limits());
        return TargetedCall.runFlow(root.embedded(limits), target,
                (o, s) -> FileTransfers.pull(o, s, remote, dir, limits.timeout()), output.json,
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
