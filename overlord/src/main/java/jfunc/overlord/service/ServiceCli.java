package jfunc.overlord.service;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import jfunc.common.Config;
import jfunc.common.ExitCodes;
import jfunc.common.Signals;
import jfunc.common.StateDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jfunc-overlord}: the long-lived overlord service, in the foreground. */
@Command(name = "jfunc-overlord", mixinStandardHelpOptions = true,
        description = {"The jfunc overlord service: keeps the identity, inventory, job store and warm",
            "connections of one state dir, and serves the jfunc CLI on STATE/overlord/overlord.sock (0600).",
            "Runs in the foreground and logs to stderr. SIGTERM drains and stops; SIGHUP re-reads the",
            "config, inventory, identity and CRL. Settings: flags, then JFUNC_* environment variables, then the",
            "config file (etc/overlord.conf lists every key)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped by SIGTERM", "1:serving failed", "2:usage or configuration error (also: another"
                + " service already serves this state dir)"})
public final class ServiceCli implements Callable<Integer> {
    static final List<Path> DEFAULT_CONFIGS = jfunc.overlord.OverlordConfig.defaultFiles();

    @Option(names = "--config", paramLabel = "FILE",
            description = "Config file (default: etc/overlord.conf of this installation, else /etc/jfunc/overlord.conf,"
                    + " when it exists; never one in the working directory).")
    Path config;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State dir (default: $JFUNC_STATE_DIR, /var/lib/jfunc for root, else ~/.jfunc).")
    Path stateDir;

    @Option(names = "--status",
            description = {"Print the services sharing this config's PostgreSQL job_store (live or not), each one's",
                "share of the inventory's minions and its last lease renewal, then exit (0; 2 when job_store is not",
                "PostgreSQL or cannot be used)."})
    boolean status;

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        }
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new ServiceCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            System.err.println("jfunc-overlord: error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return ExitCodes.FAILED;
        });
        return cli.execute(args);
    }

    /** The settings from {@code file} and the environment again (SIGHUP); null, logged, when they are unusable. */
    private ServiceSettings reread(Path file) {
        try {
            return ServiceSettings.from(Config.load(file, file != null, new HashMap<>(), System.getenv()));
        } catch (Config.ConfigException e) {
            org.slf4j.LoggerFactory.getLogger(ServiceCli.class).error("SIGHUP: the config cannot be read, keeping the old one: {}",
                    e.getMessage());
            return null;
        }
    }

    @Override
    public Integer call() throws Exception {
        Path file = config;
        if (file == null) {
            file = DEFAULT_CONFIGS.stream().filter(Files::isRegularFile).findFirst().orElse(null);
        }
        ServiceSettings settings;
        StateDir state = StateDir.resolve(stateDir);
        OverlordService service;
        try {
            Map<String, String> flags = new HashMap<>();
            settings = ServiceSettings.from(Config.load(file, config != null, flags, System.getenv()));
            if (status) {
                return FleetStatus.print(state, settings.jobStore(), System.out);
            }
            // the one place the service chooses its handshake crypto, before any TLS: a long-running
            // server that talks to every minion, so BouncyCastle's EC code pays off at once
            jfunc.common.tls.TlsContexts.useFastEc();
            service = OverlordService.start(state, settings);
        } catch (Config.ConfigException e) {
            System.err.println("jfunc-overlord: error: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        Signals.onTerminate(() -> new Thread(service::close, "stop").start());
        Path read = file;
        Signals.onHangup(() -> new Thread(() -> service.reload(reread(read)), "reload").start());
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "shutdown"));
        service.awaitStop();
        return ExitCodes.OK;
    }
}
