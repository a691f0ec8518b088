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

/** {@code jfunc TARGET push LOCAL REMOTE [--mode MODE]}: copyfile.copyfile of a local file on every minion. */
@Command(name = "push", header = "Copy a local file to REMOTE on each minion of TARGET (copyfile.copyfile).",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = "  jfunc [--state-dir DIR] TARGET push LOCAL REMOTE [--mode MODE] [--forks N] [--timeout SECONDS] [--json]",
        usageHelpWidth = 90,
        description = {"",
            "REMOTE is a path on the minion, inside its copyfile_roots (a REMOTE ending in '/' gets",
            "LOCAL's file name). The file is written atomically and its sha256 compared with the",
            "local one. One call per minion carries the whole file, so LOCAL may be at most 12 MiB.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc 'web*' push ./nginx.conf /etc/nginx/nginx.conf --mode 0644",
            "  jfunc '*' push motd /srv/files/"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every minion wrote the file", "1:some minion did not (path not allowed, I/O, unreachable)",
            "2:usage or configuration error (LOCAL missing or too big)", "3:the target matched no minion"})
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
    ResultOptions results;

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
        byte[] content = FileCommands.readLocal(local);
        String sha = FileCommands.sha256(content);
        String path = remote.endsWith("/") ? remote + local.getFileName() : remote;
        MethodCall call = mode == null ? MethodCall.of("copyfile.copyfile", path, content)
                : MethodCall.of("copyfile.copyfile", path, content, mode);
        return TargetedCall.run(root.overlord(fanOut.limits(root.defaults().limits())), target, (o, s) -> call,
                new TargetedCall.Shown(output.json, results.sort, null, CommandExits.ZERO, ResultTable.Style.VALUES,
                        r -> FileCommands.pushed(r, sha)),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
