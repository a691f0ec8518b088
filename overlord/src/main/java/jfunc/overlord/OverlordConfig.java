package jfunc.overlord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.InstallDir;

/**
 * {@code overlord.conf}, read by {@code jfunc-overlord} and by the {@code jfunc} CLI: the file
 * (the installation's etc/, else /etc/jfunc; never the working folder), the keys it may hold
 * (any other is an error naming the key and the file), and the defaults of a call that the CLI
 * takes from it: forks, timeout and an async job's deadline. The command line's flags win.
 */
public final class OverlordConfig {
    /** Every key of overlord.conf (the shipped etc/overlord.conf documents each; a test keeps the two the same). */
    public static final Set<String> KEYS = Set.of("forks", "timeout", "deadline", "job_retention", "metrics_listen",
            "late_answers", "inventory_check", "heartbeat_interval", "web_listen", "job_store", "job_store_password_file", "lease_ttl");

    /** An async job's deadline when neither --deadline nor the file says otherwise. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofDays(1);

    private OverlordConfig() {}

    /** Where overlord.conf is looked for, first found wins. */
    public static List<Path> defaultFiles() {
        return InstallDir.defaults("overlord.conf");
    }

    /** The first default file that exists, or null. */
    public static Path defaultFile() {
        return defaultFiles().stream().filter(Files::isRegularFile).findFirst().orElse(null);
    }

    /** Refuses a key of {@code config}'s file that overlord.conf does not have. */
    public static void rejectUnknownKeys(Config config) throws ConfigException {
        config.rejectUnknownKeys(KEYS, List.of(), "etc/overlord.conf of the installation");
    }

    /** Forks and per-minion timeout from {@code forks} and {@code timeout}. */
    public static FanOut.Limits limits(Config config) throws ConfigException {
        int forks = config.getInt("forks", FanOut.DEFAULT_FORKS);
        Duration timeout = config.getDuration("timeout", FanOut.DEFAULT_TIMEOUT);
        try {
            return new FanOut.Limits(forks, timeout);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage().replace("--", ""));
        }
    }

    /** The CLI's defaults for a call, from the default file and the environment. */
    public record CallDefaults(FanOut.Limits limits, Duration deadline) {}

    /** Reads the CLI's defaults (checking every key of the file). */
    public static CallDefaults callDefaults() throws ConfigException {
        return callDefaults(Config.load(defaultFile(), false, Map.of(), System.getenv()));
    }

    static CallDefaults callDefaults(Config config) throws ConfigException {
        rejectUnknownKeys(config);
        Duration deadline = config.getDuration("deadline", DEFAULT_DEADLINE);
        if (deadline.isNegative() || deadline.isZero()) {
            throw new ConfigException("deadline must be more than 0 (got " + deadline + ")");
        }
        return new CallDefaults(limits(config), deadline);
    }
}
