package jfunc.overlord.jobs;

import java.time.Duration;
import jfunc.common.Config.ConfigException;
import jfunc.common.Durations;
import jfunc.common.StateDir;

/**
 * The one place that names the store implementation: callers reach MapDB only through here,
 * so {@code ping} and sync calls never load its classes (its first open costs most of a second
 * in a fresh JVM).
 */
public final class JobStores {
    private JobStores() {}

    /** How long an operation waits for another process to let go of the store (default 10 s). */
    public static final String WAIT_ENV = "JFUNC_STORE_WAIT";

    public static JobStore open(StateDir state) throws ConfigException {
        return open(state, false);
    }

    /**
     * The job store of {@code state}; {@code hold}: opened once and kept open and locked until
     * closed (the service: the only writer while it runs), else opened per operation.
     */
    public static JobStore open(StateDir state, boolean hold) throws ConfigException {
        String wait = System.getenv(WAIT_ENV);
        Duration lockWait = MapDbJobStore.DEFAULT_LOCK_WAIT;
        if (wait != null && !wait.isBlank()) {
            try {
                lockWait = Durations.parse(wait);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(WAIT_ENV + ": " + e.getMessage());
            }
        }
        return new MapDbJobStore(state.overlord().resolve(MapDbJobStore.FILE_NAME), lockWait, hold);
    }
}
