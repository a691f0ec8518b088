package jfunc.certs.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import jfunc.certs.CaException;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.ExitCodes;
import jfunc.common.StateDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code jfunc-ca}: the certificate authority's command line. Results go to stdout, diagnostics
 * to stderr; exit codes 0 (done), 1 (the operation does not apply), 2 (usage or configuration).
 * {@link #run} is the in-process entry point (tests); {@link #main} exits with its code.
 */
@Command(name = "jfunc-ca", mixinStandardHelpOptions = true, versionProvider = CaCli.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "The jfunc certificate authority: enrols minions (CSR -> signed certificate), "
                + "revokes them and serves the enrolment port (51235).",
        subcommands = {InitCommand.class, ServeCommand.class, ListCommand.class, SignCommand.class,
                RevokeCommand.class, CleanCommand.class},
        footer = {"",
                "Examples:",
                "  jfunc-ca init                                 the CA and the overlord's certificate",
                "  jfunc-ca serve --autosign '*.lab.example.org'  enrolment service on 0.0.0.0:51235",
                "  jfunc-ca list                                 pending, signed and revoked names",
                "  jfunc-ca sign web1.example.org                or: jfunc-ca sign --all",
                "  jfunc-ca revoke web1.example.org              the CRL is re-issued at once",
                "  jfunc-ca clean web1.example.org               forget it so that it can enrol again",
                "",
                "State dir: --state-dir, else $JFUNC_STATE_DIR, else /var/lib/jfunc (root) or ~/.jfunc.",
                "The CA lives in STATE/ca (ca.key ca.crt crl.pem pending/ signed/ records/).",
                "Config: --config FILE, else " + CaCli.DEFAULT_CONFIG + " when it exists (example: etc/certs.conf).",
                "",
                "Exit codes:",
                "  0  done, or nothing to do",
                "  1  the operation does not apply (e.g. signing a name that is not pending)",
                "  2  usage or configuration error (bad option or name, missing or damaged CA files)"})
public final class CaCli implements Callable<Integer> {
    static final String DEFAULT_CONFIG = "/etc/jfunc/certs.conf";

    @Option(names = "--state-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "state dir (default: $JFUNC_STATE_DIR, /var/lib/jfunc or ~/.jfunc)")
    Path stateDir;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "config file (default: " + DEFAULT_CONFIG + " when present)")
    Path configFile;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "more log output, and stack traces with errors")
    boolean verbose;

    PrintWriter out;
    PrintWriter err;

    public static void main(String[] args) {
        quietLogsUnlessAsked(args);
        System.exit(run(System.out, System.err, args));
    }

    /** Runs one command line; returns the exit code. Never throws, never exits. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CaCli cli = new CaCli();
        cli.out = new PrintWriter(out, true);
        cli.err = new PrintWriter(err, true);
        CommandLine cmd = new CommandLine(cli);
        cmd.setOut(cli.out);
        cmd.setErr(cli.err);
        cmd.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            cli.err.println("error: " + ex.getMessage());
            cli.err.println("hint: " + c.getCommandSpec().qualifiedName() + " --help shows the usage");
            return ExitCodes.USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> cli.fail(ex));
        int code = cmd.execute(args);
        cli.out.flush();
        cli.err.flush();
        return code;
    }

    @Override
    public Integer call() {
        err.println("error: no command given");
        err.println("hint: jfunc-ca --help lists the commands (init, serve, list, sign, revoke, clean)");
        return ExitCodes.USAGE;
    }

    /** The store, with settings from the config file and environment. */
    CaStore store() throws ConfigException {
        return new CaStore(StateDir.resolve(stateDir), CaSettings.from(config(Map.of())));
    }

    StateDir state() {
        return StateDir.resolve(stateDir);
    }

    /** Flags (null values ignored) over environment over the config file. */
    Config config(Map<String, String> flags) throws ConfigException {
        Path file = configFile;
        boolean required = file != null;
        if (file == null && Files.exists(Path.of(DEFAULT_CONFIG))) {
            file = Path.of(DEFAULT_CONFIG);
        }
        Config c = Config.load(file, required, flags, System.getenv());
        c.rejectUnknownKeys(CaSettings.KEYS, java.util.List.of(), "etc/certs.conf of the installation");
        return c;
    }

    private int fail(Exception ex) {
        int code;
        if (ex instanceof CaException ca) {
            code = ca.kind() == CaException.Kind.FILES ? ExitCodes.USAGE : ExitCodes.FAILED;
        } else if (ex instanceof ConfigException || ex instanceof IllegalArgumentException
                || ex instanceof java.net.BindException) {
            code = ExitCodes.USAGE;
        } else {
            code = ExitCodes.FAILED;
        }
        String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        err.println("error: " + msg);
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** One-shot commands log only warnings, unless --verbose or a -D option says otherwise. */
    private static void quietLogsUnlessAsked(String[] args) {
        String key = "org.slf4j.simpleLogger.defaultLogLevel";
        if (System.getProperty(key) != null) {
            return;
        }
        List<String> a = Arrays.asList(args);
        boolean verbose = a.contains("-v") || a.contains("--verbose");
        System.setProperty(key, verbose ? "debug" : a.contains("serve") ? "info" : "warn");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jfunc-ca " + jfunc.common.Version.current()};
        }
    }
}
