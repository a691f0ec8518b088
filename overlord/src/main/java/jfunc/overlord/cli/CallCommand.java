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
        customSynopsis = {"  jfunc [--state-dir DIR] TARGET call MODULE METHOD [ARG...] [OPTIONS]",
            "  jfunc [--state-dir DIR] TARGET call MODULE.METHOD [ARG...] [OPTIONS]"},
        usageHelpWidth = 90,
        description = {"",
            "ARGs are converted to the types the method declares (system.method_help shows them):",
            "'call test add 2 3' sends two ints. Before the fan-out one minion is asked whether the",
            "method exists; a typo is reported once, with what to type instead. With --json-args each",
            "ARG is a JSON value instead: numbers (32-bit integers become ints), true/false,",
            "\"strings\", [arrays], {structs}.",
            "",
            "command run: the words after 'run' are joined by spaces into one shell command, as ssh",
            "does ('call command run ls -la /tmp' runs /bin/sh -c 'ls -la /tmp'); after '--' they",
            "are the argv, run without a shell ('call command run -- ls -la /tmp'). jfunc's own",
            "options (--json, --timeout, -v, ...) stay jfunc's anywhere: quote the command to pass",
            "one to it. The table shows 'exit N' with the output below; an exit code other than 0",
            "(or those of --ok-exit) is a failed minion.", ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  jfunc '*' call command run uptime",
            "  jfunc 'web*' call command run ls -la /tmp          (one shell command: ls -la /tmp)",
            "  jfunc web1 call command run -- ls -la /tmp         (argv, no shell)",
            "  jfunc '*' call command run 'grep -q x /etc/f' --ok-exit 0,1",
            "  jfunc '*' call command.run uptime                  (MODULE.METHOD works too)",
            "  jfunc web1 call test add 2 3",
            "  jfunc '*' call command run id -u --user nobody     (minions running as root)",
            "  jfunc '*' call facts all --table hostname,os,kernel,cpus",
            "  jfunc '*' call facts all --json",
            "  jfunc '*' call test echo --json-args '{\"a\": [1, 2.5, true]}'",
            "  jfunc '*' call command run 'yum -y update' --async  (prints a job id)",
            "  jfunc 'web*' call service restart nginx --batch 25% --batch-fail 1",
            "                                   (a quarter at a time; stop starting after 1 failure)",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every minion answered without error",
            "1:some minion failed (also: a command.run exit code other than 0 or those of --ok-exit)",
            "2:usage or configuration error, or a method the minions do not have",
            "3:the target matched no minion"})
final class CallCommand implements Callable<Integer> {
    @ParentCommand
    JfuncCli root;

    @Mixin
    FanOutOptions fanOut;

    @Mixin
    OutputOptions output;

    @Mixin
    OkExitOption okExit;

    @Mixin
    ResultOptions results;

    @Mixin
    BatchOptions batches;

    @Option(names = "--table", paramLabel = "FIELD,...", split = ",",
            description = "For struct results: one column per FIELD, e.g. --table os,kernel,cpus (facts all).")
    List<String> table;

    @Option(names = "--no-merge", description = "Through jfunc-overlord: run this call even when an identical one"
            + " (same method, arguments and minions) is in flight; by default a read-only method's call (facts.all,"
            + " process.info, service.status, test.*) waits for that one's answer instead.")
    boolean noMerge;

    @Option(names = "--json-args", description = "Parse each ARG as a JSON value instead of converting it to the declared type.")
    boolean jsonArgs;

    @Option(names = "--async", description = "Start the call as a job on each minion and print the job id"
            + " (follow it with: jfunc job status ID --wait).")
    boolean async;

    @Option(names = "--deadline", paramLabel = "DURATION", converter = FanOutOptions.SecondsConverter.class,
            description = "With --async: after this (default: deadline in overlord.conf, else 1 day), minions that still cannot be reached when the"
                    + " job is polled count as failed.")
    java.time.Duration deadline;

    @Option(names = "--user", paramLabel = "USER",
            description = "command run: run the command as this user (name or uid; the minion must run as root).")
    String user;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "command run: run the command with this group (default: the user's primary group).")
    String group;

    @Parameters(arity = "1..*", paramLabel = "MODULE METHOD [ARG...]",
            description = "Module and method (command run, or command.run), then the arguments.")
    List<String> words = new ArrayList<>();

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
        CallWords typed = CallWords.parse(words, dashDash());
        if ((user != null || group != null) && (!typed.isCommandRun() || jsonArgs)) {
            throw new ErrorReporter.UsageException("--user and --group go with command run (without --json-args:"
                    + " there, put them in the options struct)");
        }
        try {
            new MethodCall(typed.method(), List.of()); // the name's syntax, before anything is read
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UsageException(e.getMessage());
        }
        TargetedCall.CallMaker maker = (overlord, selection) -> prepare(typed, overlord, selection);
        jfunc.overlord.Batch batch = batches.batch(okExit.exits());
        if (async) {
            return AsyncSubmit.run(root.overlord(limits()), target, maker,
                    deadline == null ? root.defaults().deadline() : deadline, batch, output.json,
                    spec.commandLine().getOut(), spec.commandLine().getErr());
        }
        return TargetedCall.run(root.overlord(limits()), target, maker,
                new TargetedCall.Shown(output.json, results.sort, table, okExit.exits(), ResultTable.Style.VALUES), batch, !noMerge,
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The call to send: the method checked on one minion, the words converted to its declared types. */
    private MethodCall prepare(CallWords typed, jfunc.overlord.OverlordApi overlord, jfunc.overlord.Selection selection)
            throws jfunc.common.Config.ConfigException {
        java.util.Optional<MethodSignature> signature = MethodCheck.check(overlord, selection, typed.method(),
                limits().timeout());
        List<Object> params;
        try {
            if (jsonArgs) {
                params = JsonArgs.parse(typed.args());
            } else if (typed.isCommandRun()) {
                params = commandRun(typed);
            } else if (signature.isPresent()) {
                params = signature.get().convert(typed.method(), typed.args());
            } else {
                params = new ArrayList<>(typed.args());
            }
            if (signature.isPresent()) {
                signature.get().checkCount(typed.method(), params.size());
            }
            return new MethodCall(typed.method(), params);
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UsageException(e.getMessage());
        }
    }

    /** command.run's parameters: the command, then {user, group} when given. */
    private List<Object> commandRun(CallWords typed) {
        if (user == null && group == null) {
            return List.of(typed.command());
        }
        java.util.Map<String, Object> options = new java.util.LinkedHashMap<>();
        if (user != null) {
            options.put("user", user);
        }
        if (group != null) {
            options.put("group", group);
        }
        return List.of(typed.command(), options);
    }

    private jfunc.overlord.FanOut.Limits limits() {
        return fanOut.limits(root.defaults().limits());
    }

    /** True when '--' came after 'call': the words after it are argv. */
    private boolean dashDash() {
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        int call = original.indexOf("call");
        return call >= 0 && original.subList(call, original.size()).contains("--");
    }
}
