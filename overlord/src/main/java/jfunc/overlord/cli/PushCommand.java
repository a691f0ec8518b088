package jfunc.overlord.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import jfunc.overlord.CommandExits;
import jfunc.overlord.MethodCall;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jfunc TARGET push LOCAL REMOTE [--mode MODE]}: a chunked copy of a local file to every minion. */
@Command(name = "push", header = "Copy a local file to REMOTE on each minion of TARGET (copyfile.begin/chunk/commit).",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = "  jfunc [--state-dir DIR] TARGET push LOCAL REMOTE [--mode MODE] [--forks N] [--timeout SECONDS] [--json]",
        usageHelpWidth = 90,
        description = {"",
            "REMOTE is a path on the minion, inside its copyfile_roots (a REMOTE ending in '/' gets",
            "LOCAL's file name). Files of any size go in chunks of 4 MiB (copyfile.begin/chunk/commit),",
            "each checked and fsync'd on the minion; the SHA-256 of the whole file is checked at the",
            "end and only then is the file renamed into place, so a reader never sees half a file.",
            "A push cut off (a minion restarted, unreachable, --timeout) leaves its committed chunks in",
            "a hidden part file next to REMOTE: the same push again resumes from there. The data goes",
            "from this process to the minions directly, also when jfunc-overlord runs. --timeout is",
            "per call (one chunk).", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc 'web*' push ./nginx.conf /etc/nginx/nginx.conf --mode 0644",
            "  jfunc '*' push motd /srv/files/"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every minion wrote the file", "1:some minion did not (path not allowed, I/O, unreachable)",
            "2:usage or configuration error (LOCAL missing)", "3:the target matched no minion"})
final class PushCommand implements Callable<Integer> {
    @ParentCommand
    JfuncCli root;

    @Parameters(index = "0", paramLabel = "LOCAL", description = "The file to send.")
    Path local;

    @Parameters(index = "1", paramLabel = "REMOTE", description = "Where to write it on each minion.")
    String remote;

    @Option(names = "--mode", paramLabel = "MODE", description = "Permissions as octal, e.g. 0644 (the minion's default: 0644).")
    String mode;

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
        if (mode != null && !mode.matches("0?[0-7]{3}")) {
            throw new ErrorReporter.UsageException("--mode must be octal such as 0644, got '" + mode + "'");
        }
        FileTransfers.checkLocal(local);
        String path = remote.endsWith("/") ? remote + local.getFileName() : remote;
        jfunc.overlord.FanOut.Limits limits = fanOut.limits(root.defaults().limits());
        return TargetedCall.runFlow(root.embedded(limits), target,
                (o, s) -> FileTransfers.push(o, s, local, path, mode, limits.timeout()), output.json,
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
