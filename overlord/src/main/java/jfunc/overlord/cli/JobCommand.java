package jfunc.overlord.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jfunc job ...}: placeholder until async jobs land, so that the word is not taken for a target. */
@Command(name = "job", header = "Async jobs: list, status ID [--wait], purge (not yet available).")
final class JobCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    HelpOption help;

    @Parameters(arity = "0..*", paramLabel = "ARGS", hidden = true)
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        throw new ErrorReporter.UsageException("`jfunc job` is not yet available in this build");
    }
}
