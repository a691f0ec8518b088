package jfunc.minion.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import jfunc.common.Config;
import jfunc.common.ExitCodes;
import jfunc.common.InstallDir;
import jfunc.common.StateDir;
import jfunc.minion.MinionSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jfuncd}: the minion agent. Reads its settings, loads (or enrols for) its identity and
 * serves until SIGTERM. Diagnostics go to stderr (or {@code log_file}); exit 0 after a clean
 * stop, 1 when serving failed, 2 for a usage or configuration error.
 */
@Command(name = "jfuncd", mixinStandardHelpOptions = true, versionProvider = MinionCli.Version.class,
        description = {"The jfunc minion agent: serves XML-RPC over mutual TLS (port 51234).",
                "Settings: flags, then JFUNC_* environment variables, then the config file."},
        footerHeading = "%nExamples:%n",
        footer = {"  jfuncd --ca ca.example.org:51235                  (enrols on first start, then serves)",
            "  jfuncd --config /etc/jfunc/minion.conf",
            "  jfuncd --state-dir /tmp/fleet --name web1 --listen 127.0.0.1:55301 --ca 127.0.0.1:55235"})
public final class MinionCli implements Callable<Integer> {
    /**
     * Tried in order when --config is not given: the installation's etc/, then /etc/jfunc. Never
     * the working directory (root started from a shared folder would take its settings from it).
     */
    static java.util.List<Path> defaultConfigs() {
        return InstallDir.defaults("minion.conf");
    }

    @Option(names = "--config", paramLabel = "FILE",
            description = "Config file (default: etc/minion.conf of this installation, else /etc/jfunc/minion.conf,"
                    + " when it exists; never one in the working directory).")
    Path config;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State folder (default: $JFUNC_STATE_DIR, /var/lib/jfunc for root, else ~/.jfunc).")
    Path stateDir;

    @Option(names = "--name", paramLabel = "NAME", description = "Minion name (default: this host's FQDN).")
    String name;

    @Option(names = "--listen", paramLabel = "H:P", description = "Address to serve on (default: 0.0.0.0:51234).")
    String listen;

    @Option(names = "--ca", paramLabel = "H:P", description = "The CA's enrolment service (default: localhost:51235).")
    String ca;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs jfuncd and returns its exit code (tests call this in-process). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new MinionCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            System.err.println("jfuncd: error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return ExitCodes.FAILED;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        Path file = config;
        if (file == null) {
            for (Path candidate : defaultConfigs()) {
                if (Files.isRegularFile(candidate)) {
                    file = candidate;
                    break;
                }
            }
        }
        Map<String, String> flags = new HashMap<>();
        flags.put("name", name);
        flags.put("listen", listen);
        flags.put("ca", ca);
        MinionSettings settings;
        Path chosen = file;
        Daemon.SettingsSource source = () -> settings(chosen, flags);
        try {
            settings = source.load();
            Logging.configure(settings.config());
        } catch (Config.ConfigException e) {
            System.err.println("jfuncd: error: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        return new Daemon(settings, source).run();
    }

    /** The settings from {@code file} (may be null), the flags and the environment, checked as at start. */
    private MinionSettings settings(Path file, Map<String, String> flags) throws Config.ConfigException {
        Config cfg = Config.load(file, config != null, flags, System.getenv());
        cfg.rejectUnknownKeys(MinionKeys.KNOWN, MinionKeys.PREFIXES, "etc/minion.conf of the installation");
        return MinionSettings.from(cfg, file, StateDir.resolve(stateDir));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jfuncd " + jfunc.common.Version.current()};
        }
    }
}
