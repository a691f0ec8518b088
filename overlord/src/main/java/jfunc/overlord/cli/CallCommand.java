package jfunc.overlord.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jfunc.overlord.MethodCall;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jfunc TARGET call MODULE METHOD [ARG...]}. */
@Command(name = "call", header = "Call MODULE.METHOD(ARG...) on each minion of TARGET.",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = "  jfunc [--state-dir DIR] TARGET call MODULE METHOD [ARG...] [OPTIONS]",
        usageHelpWidth = 90,
        description = {"",
            "ARGs are strings; with --json-args each is a JSON value: numbers (32-bit integers",
            "become ints), true/false, \"strings\", [arrays], {structs}. Put '--' before ARGs",
            "that start with '-'. command.run's [exit, stdout, stderr] prints as 'exit N'",
            "with the output lines below it.", ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every minion answered without error",
            "1:some minion failed (also: a command.run exit code other than 0 or those of --ok-exit)",
            "2:usage or configuration error", "3:the target matched no minion"})
final class CallCommand implements Callable<Integer> {
    @ParentCommand
    JfuncCli root;

    @Mixin
    FanOutOptions fanOut;

    @Mixin
    OutputOptions output;

    @Mixin
    OkExitOption okExit;

    @Option(names = "--json-args", description = "Parse each ARG as a JSON value instead of taking it as a string.")
    boolean jsonArgs;

    @Option(names = "--async", description = "Start the call as a job on each minion and print the job id"
            + " (follow it with: jfunc job status ID --wait).")
    boolean async;

    @Option(names = "--deadline", paramLabel = "DURATION", converter = FanOutOptions.SecondsConverter.class,
            description = "With --async: after this (default 1 day), minions that still cannot be reached when the"
                    + " job is polled count as failed.")
    java.time.Duration deadline;

    @Parameters(index = "0", paramLabel = "MODULE", description = "Module, e.g. command.")
    String module;

    @Parameters(index = "1", paramLabel = "METHOD", description = "Method, e.g. run.")
    String method;

    @Parameters(index = "2..*", paramLabel = "ARG", description = "Arguments of the method.")
    List<String> args = new ArrayList<>();

    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String target = root.requireTarget(spec);
        if (deadline != null && !async) {
            throw new ErrorReporter.UsageException("--deadline goes with --async");
        }
        MethodCall call;
        try {
            call = new MethodCall(module + "." + method, jsonArgs ? JsonArgs.parse(args) : new ArrayList<>(args));
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UsageException(e.getMessage());
        }
        if (async) {
            return AsyncSubmit.run(root.state(), target, fanOut.limits(), call, deadline, output.json,
                    spec.commandLine().getOut(), spec.commandLine().getErr());
        }
        return TargetedCall.run(root.state(), target, fanOut.limits(), call, output.json, okExit.exits(),
                spec.commandLine().getOut(), spec.commandLine().getErr(), ResultTable.Style.VALUES);
    }
}
