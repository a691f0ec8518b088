package jfunc.overlord.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jfunc.common.ExitCodes;
import jfunc.common.StateDir;
import jfunc.overlord.FanOut;
import jfunc.overlord.OverlordApi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** {@code jfunc}: run calls on minions. */
@Command(name = "jfunc", versionProvider = JfuncCli.Version.class,
        header = "Run calls on jfunc minions: ping them, list them, call MODULE METHOD on each.",
        synopsisHeading = "%nUsage:%n",
        customSynopsis = {
            "  jfunc [--state-dir DIR] TARGET ping [--forks N] [--timeout SECONDS] [--json]",
            "  jfunc [--state-dir DIR] TARGET call MODULE METHOD [ARG...] [--json-args]",
            "        [--forks N] [--timeout SECONDS] [--json] [--async [--deadline DURATION]]",
            "  jfunc [--state-dir DIR] TARGET push LOCAL REMOTE [--mode MODE]",
            "  jfunc [--state-dir DIR] TARGET pull REMOTE LOCAL_DIR",
            "  jfunc [--state-dir DIR] [TARGET] list-minions [--json]",
            "  jfunc [--state-dir DIR] job list [--state STATE] [--limit N] [--json]",
            "  jfunc [--state-dir DIR] job status ID [--wait [--timeout SECONDS]] [--json]",
            "  jfunc [--state-dir DIR] job purge --older-than DURATION",
            "  jfunc generate-completion",
        },
        description = {
            "",
            "TARGET selects minions by name: globs (* ? [a-z] [!0-9]), @group, !exclusion,",
            "with ';' between parts, e.g. 'web*;db1;!web3'. Quote it for the shell. A name",
            "that is not in the inventory is reported as an error; a target that matches",
            "nothing exits 3.",
            "",
            "Minions: the CA's records (STATE/ca/records, state signed) and the overrides file",
            "STATE/overlord/minions ('NAME HOST:PORT' lines, which win). Groups:",
            "STATE/overlord/groups ('NAME: member, member'; see etc/groups). Identity:",
            "STATE/overlord/overlord.key, overlord.crt and ca.crt (made by `jfunc-ca init`).",
            "",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  jfunc '*' ping",
            "  jfunc 'web*;db1' call command run uptime",
            "  jfunc '@webservers;!web3*' call service restart nginx --forks 50 --timeout 30",
            "  jfunc 'web*' call command run ls -la /tmp       (one shell command)",
            "  jfunc web1 call command run -- ls -la /tmp      (after '--': argv, no shell)",
            "  jfunc web1 call test add 2 3                    (ARGs become the declared types)",
            "  jfunc '*' call test echo --json-args '{\"a\": [1, 2.5, true]}' --json",
            "  jfunc '*' list-minions",
            "  source <(jfunc generate-completion)             (bash/zsh completion)",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every minion answered without error",
            "1:some minion failed (unreachable, timeout, TLS, fault, or a command.run exit code",
            "  other than 0 or those of --ok-exit), or an internal error",
            "2:usage or configuration error (bad option or target, missing identity files)",
            "3:the target matched no minion",
        },
        sortOptions = false,
        usageHelpWidth = 90)
public final class JfuncCli implements Callable<Integer> {
    @Option(names = "--state-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "State dir (default: $JFUNC_STATE_DIR, else ~/.jfunc, or /var/lib/jfunc for root).")
    Path stateDir;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Show stack traces of errors.")
    boolean verbose;

    @Option(names = "--no-service", scope = ScopeType.INHERIT,
            description = "Run embedded (in this process) even when jfunc-overlord runs (also: JFUNC_SERVICE=off).")
    boolean noService;

    @picocli.CommandLine.Mixin
    HelpOption help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
    boolean version;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TARGET", description = "Which minions (see above).")
    String target;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            boolean verbose = java.util.Arrays.asList(args).contains("-v") || java.util.Arrays.asList(args).contains("--verbose");
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "warn");
        }
        Charset cs = Charset.defaultCharset();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, cs));
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, cs), true);
        int code = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line; results go to {@code out}, diagnostics to {@code err}. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        if (args.length >= 2 && args[0].equals(Completion.COMMAND)) {
            return Completion.run(out, args);
        }
        CommandLine cmd = commandLine(args);
        JfuncCli root = cmd.getCommand();
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setExecutionExceptionHandler(new ErrorReporter(root));
        cmd.setParameterExceptionHandler(new ErrorReporter(root));
        cmd.setExitCodeExceptionMapper(ErrorReporter::exitCode);
        try {
            return cmd.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The command model with the commands {@code args} need (all of them when it names none). */
    static CommandLine commandLine(String[] args) {
        CommandLine cmd = new CommandLine(new JfuncCli());
        addCommands(cmd, args);
        return cmd;
    }

    /**
     * The commands, in help order. Building a command's model is the bulk of picocli's start-up
     * cost, so a command line that names one gets only that one (help, completion and typos get
     * them all, for the full listing and suggestions).
     */
    private static final java.util.Map<String, java.util.function.Supplier<Object>> COMMANDS = commands();

    private static java.util.Map<String, java.util.function.Supplier<Object>> commands() {
        java.util.Map<String, java.util.function.Supplier<Object>> m = new java.util.LinkedHashMap<>();
        m.put("ping", PingCommand::new);
        m.put("call", CallCommand::new);
        m.put("push", PushCommand::new);
        m.put("pull", PullCommand::new);
        m.put("list-minions", ListMinionsCommand::new);
        m.put("job", JobCommand::new);
        m.put("generate-completion", CompletionScript::new);
        return m;
    }

    private static void addCommands(CommandLine cmd, String[] args) {
        String named = null;
        for (String a : args) {
            if (a.equals("--")) {
                break;
            }
            if (COMMANDS.containsKey(a)) {
                named = a;
                break;
            }
        }
        boolean all = named == null || named.equals("generate-completion");
        for (var e : COMMANDS.entrySet()) {
            if (all || e.getKey().equals(named)) {
                cmd.addSubcommand(e.getKey(), e.getValue().get());
                if (e.getKey().equals("call")) {
                    // 'call command run ls -la': words like -la are the command's, not unknown options
                    cmd.getSubcommands().get("call").setUnmatchedOptionsArePositionalParams(true);
                }
            }
        }
    }

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), target == null
                ? "missing command: e.g. jfunc '*' ping"
                : "missing command after the target: ping, call MODULE METHOD [ARG...] or list-minions");
    }

    StateDir state() {
        return StateDir.resolve(stateDir);
    }

    /** The overlord every command goes through (the service when one runs); {@code limits} bound its calls. */
    OverlordApi overlord(FanOut.Limits limits) {
        boolean service = !noService && !"off".equalsIgnoreCase(System.getenv(SERVICE_ENV));
        return OverlordApi.open(state(), limits, service, note -> spec.commandLine().getErr().println(note));
    }

    /**
     * Always in this process, service or not: file transfers, whose data goes straight between
     * this process and the minions instead of through the service's socket.
     */
    OverlordApi embedded(FanOut.Limits limits) {
        return OverlordApi.embedded(state(), limits);
    }

    /** {@code JFUNC_SERVICE=off} forces embedded, as --no-service does. */
    static final String SERVICE_ENV = "JFUNC_SERVICE";

    /** The overlord for commands that do not fan out a call of their own. */
    OverlordApi overlord() {
        return overlord(defaults().limits());
    }

    private jfunc.overlord.OverlordConfig.CallDefaults defaults;

    /** Forks, timeout and deadline from overlord.conf (read once; an unknown key there is a usage error). */
    jfunc.overlord.OverlordConfig.CallDefaults defaults() {
        if (defaults == null) {
            try {
                defaults = jfunc.overlord.OverlordConfig.callDefaults();
            } catch (jfunc.common.Config.ConfigException e) {
                throw new ErrorReporter.UsageException(e.getMessage());
            }
        }
        return defaults;
    }

    /** The target, or a usage error saying a command needs one. */
    String requireTarget(CommandSpec sub) {
        if (target == null) {
            throw new CommandLine.ParameterException(sub.commandLine(),
                    "missing TARGET before '" + sub.name() + "': e.g. jfunc '*' " + sub.name());
        }
        return target;
    }

    static int ok(boolean allOk) {
        return allOk ? ExitCodes.OK : ExitCodes.FAILED;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jfunc " + jfunc.common.Version.current()};
        }
    }
}
