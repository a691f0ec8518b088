package jfunc.overlord.cli;

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

    static JobStore open(StateDir state) {
        return MapDbJobStore.in(state);
    }
}
