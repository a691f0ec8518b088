package jfunc.overlord.jobs;

import java.util.Collection;

/** Test and benchmark access to bulk creation (one critical section for many jobs). */
public final class StoreFill {
    private StoreFill() {}

    public static void createAll(MapDbJobStore store, Collection<Job> jobs) {
        store.createAll(jobs);
    }
}
