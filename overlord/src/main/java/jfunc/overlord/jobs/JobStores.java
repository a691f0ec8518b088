package jfunc.overlord.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.Durations;
import jfunc.common.StateDir;

/**
 * The one place that names the store implementations: callers reach MapDB and PostgreSQL only
 * through here, so {@code ping} and sync calls never load their classes (MapDB's first open
 * costs most of a second in a fresh JVM).
 */
public final class JobStores {
    private JobStores() {}

    /** How long an operation waits for another process to let go of the store, or for the database to answer a connection (default 10 s). */
    public static final String WAIT_ENV = "JFUNC_STORE_WAIT";
    /** The setting naming the store: empty for MapDB in STATE/overlord/jobs.db, or a postgresql:// URL. */
    public static final String SETTING = "job_store";
    /** The setting naming the file holding the database password (its first line). */
    public static final String PASSWORD_FILE_SETTING = "job_store_password_file";

    /**
     * Which store: {@code setting} empty means MapDB in the state dir; a {@code postgresql://} URL
     * means the shared PostgreSQL store, its password read from {@code passwordFile} (else PGPASSWORD,
     * else the driver's ~/.pgpass).
     */
    public record Choice(String setting, Path passwordFile) {
        public static final Choice MAPDB = new Choice("", null);

        /** True for a PostgreSQL store (several services may share it). */
        public boolean shared() {
            return PostgresUrl.isPostgres(setting);
        }
    }

    /** {@code job_store} and {@code job_store_password_file} of {@code cfg}, checked (not connected). */
    public static Choice choice(Config cfg) throws ConfigException {
        String v = cfg.get(SETTING, "").strip();
        String pf = cfg.get(PASSWORD_FILE_SETTING, "").strip();
        Path passwordFile = pf.isEmpty() ? null : Path.of(pf);
        if (v.isEmpty() || v.equalsIgnoreCase("mapdb")) {
            return Choice.MAPDB;
        }
        if (!PostgresUrl.isPostgres(v)) {
            throw new ConfigException(SETTING + ": '" + v + "' is neither empty (MapDB in STATE/overlord/jobs.db) nor a"
                    + " postgresql://USER@HOST[:PORT]/DATABASE URL");
        }
        try {
            PostgresUrl.parse(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SETTING + ": " + v.replaceAll("//[^@/]*:[^@/]*@", "//***@") + " " + e.getMessage());
        }
        return new Choice(v, passwordFile);
    }

    /** The CLI's store: {@code job_store} of the default overlord.conf and the environment. */
    public static JobStore open(StateDir state) throws ConfigException {
        return open(state, false);
    }

    /**
     * The job store of {@code state}, as the default overlord.conf and the environment choose it;
     * {@code hold}: opened once and kept open and locked until closed (the service: the only
     * writer while it runs), else opened per operation.
     */
    public static JobStore open(StateDir state, boolean hold) throws ConfigException {
        Config cfg = Config.load(jfunc.overlord.OverlordConfig.defaultFile(), false, Map.of(), System.getenv());
        return open(state, hold, choice(cfg));
    }

    /**
     * The store {@code choice} names. A PostgreSQL store is connected and its schema migrated at
     * once: a database that cannot be reached, refuses the login, or has a newer schema throws
     * {@link JobStoreException} (IO, DENIED, NEWER_VERSION) with a message naming the URL.
     */
    public static JobStore open(StateDir state, boolean hold, Choice choice) throws ConfigException {
        Duration wait = MapDbJobStore.DEFAULT_LOCK_WAIT;
        String env = System.getenv(WAIT_ENV);
        if (env != null && !env.isBlank()) {
            try {
                wait = Durations.parse(env);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(WAIT_ENV + ": " + e.getMessage());
            }
        }
        if (choice.shared()) {
            PostgresUrl url = PostgresUrl.parse(choice.setting());
            return PostgresJobStore.open(url, password(choice), hold ? 8 : 2, wait);
        }
        return new MapDbJobStore(state.overlord().resolve(MapDbJobStore.FILE_NAME), wait, hold);
    }

    /** The first line of the password file, else PGPASSWORD, else null (the driver then tries ~/.pgpass). */
    private static String password(Choice choice) throws ConfigException {
        if (choice.passwordFile() != null) {
            try {
                String text = Files.readString(choice.passwordFile(), StandardCharsets.UTF_8);
                int nl = text.indexOf('\n');
                return (nl < 0 ? text : text.substring(0, nl)).strip();
            } catch (IOException e) {
                throw new ConfigException(PASSWORD_FILE_SETTING + ": cannot read " + choice.passwordFile() + ": " + e);
            }
        }
        String env = System.getenv("PGPASSWORD");
        return env == null || env.isEmpty() ? null : env;
    }
}
