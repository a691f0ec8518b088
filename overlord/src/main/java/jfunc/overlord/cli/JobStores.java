package jfunc.overlord.cli;

import jfunc.common.Durations;
import jfunc.common.StateDir;
import jfunc.overlord.jobs.JobStore;
import jfunc.overlord.jobs.MapDbJobStore;

/**
 * The one place the CLI names the store implementation: commands reach MapDB only through
 * here, so {@code ping} and sync {@code call} never load its classes (its first open costs
 * most of a second in a fresh JVM).
 */
final class JobStores {
    private JobStores() {}

    /** How long a command waits for another jfunc to let go of the store (default 10 s). */
    static final String WAIT_ENV = "JFUNC_STORE_WAIT";

    static JobStore open(StateDir state) {
        String wait = System.getenv(WAIT_ENV);
        if (wait == null || wait.isBlank()) {
            return MapDbJobStore.in(state);
        }
        try {
            return new MapDbJobStore(state.overlord().resolve(MapDbJobStore.FILE_NAME), Durations.parse(wait));
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UsageException(WAIT_ENV + ": " + e.getMessage());
        }
    }
}
