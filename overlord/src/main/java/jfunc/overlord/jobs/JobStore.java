package jfunc.overlord.jobs;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The overlord's durable record of async jobs: which minion job id each minion gave, and, once
 * the job is FINISHED, every minion's result, so a finished job is answered with no remote call.
 *
 * <p>The job state is derived, never set: RUNNING while a submitter is recorded, then PARTIAL
 * while some minion is unfinished, then FINISHED. Every method is one short critical section
 * (open, read or change, commit, close): several processes share the store, and none holds it
 * across a remote call. Every change is durable when the method returns. Every method may throw
 * {@link JobStoreException}.
 */
public interface JobStore {
    /** Stores a new job (normally {@link Job#submitting}); throws IllegalArgumentException if the id exists. */
    default void create(Job job) {
        create(job, null);
    }

    /**
     * Stores a new job with the parameters of its call (wire values), so that a submission that
     * did not reach a minion can be re-sent later; null: not kept (such minions cannot be re-sent).
     */
    void create(Job job, List<Object> params);

    /** The call parameters kept by {@link #create(Job, List)}, or empty when none were kept. */
    Optional<List<Object>> params(String id);

    /** The job with all its minion records, or empty when there is no such job. */
    Optional<Job> get(String id);

    /** Several jobs in one critical section; unknown ids are left out. */
    Map<String, Job> getAll(Collection<String> ids);

    /**
     * Records minion updates, and the end of the fan-out when {@code submissionDone}; returns
     * the summary as stored. A minion that is already done (FINISHED, REMOTE_ERROR, LOST) keeps
     * its record: a late or concurrent poll never undoes a result. Throws
     * IllegalArgumentException for an unknown job or a minion that is not part of it.
     */
    JobSummary update(String id, Collection<MinionJob> minions, boolean submissionDone);

    /**
     * Summaries newest first: those submitted before {@code beforeId} (null: from the newest),
     * in {@code state} (null: any), at most {@code limit}.
     */
    List<JobSummary> list(JobState state, String beforeId, int limit);

    /**
     * Deletes every job submitted before {@code cutoff}, whatever its state, except one whose
     * submitting process is still fanning it out; returns how many.
     */
    default int purge(Instant cutoff) {
        return purge(cutoff, false);
    }

    /** As {@link #purge(Instant)}; with {@code finishedOnly}, only FINISHED jobs (the service's job_retention). */
    int purge(Instant cutoff, boolean finishedOnly);

    /**
     * Waits up to {@code max} for news of job {@code id} from another process (a store that can
     * tell: PostgreSQL's NOTIFY, once {@link PostgresJobStore#listen} runs); returns true on news. A
     * store that cannot tell waits a short while (at most 400 ms) and returns false: callers read again.
     */
    default boolean awaitChange(String id, java.time.Duration max) {
        long nanos = Math.min(max.toNanos(), 400_000_000L);
        if (nanos > 0) {
            try {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return false;
    }

    /** What the store is, for messages: its file, or its database URL without a password. */
    default String name() {
        return "the job store";
    }

    /** Lets go of the store, when it was held open; later operations may open it again. */
    default void close() {}

    /** Hears how long each operation took (create, read, update, list, purge), waiting for the store included. */
    @FunctionalInterface
    interface Timer {
        void took(String operation, long nanos);
    }

    /** Times every operation from now on with {@code timer} (metrics). */
    default void timed(Timer timer) {}
}
