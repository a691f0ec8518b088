package jfunc.overlord.jobs;

import java.time.Instant;

/**
 * One minion's part of an overlord job.
 *
 * @param minion   the minion's name
 * @param jobId    the minion's own job id, or null while not known (SUBMITTING, refused submission)
 * @param state    where it stands
 * @param result   the minion job's result in wire form (FINISHED), else null
 * @param error    why it failed (REMOTE_ERROR, LOST) or the last poll's error while RUNNING, else null
 * @param updated  when the overlord last heard about it (submission or poll), or null
 */
public record MinionJob(String minion, String jobId, MinionState state, Object result, MinionError error, Instant updated) {
    public MinionJob {
        if (minion == null || minion.isEmpty()) {
            throw new IllegalArgumentException("minion name is empty");
        }
        if (state == null) {
            throw new IllegalArgumentException("minion state is null");
        }
    }

    /** Not yet submitted. */
    public static MinionJob submitting(String minion) {
        return new MinionJob(minion, null, MinionState.SUBMITTING, null, null, null);
    }

    /**
     * Not (yet) accepted: the submission timed out or found the minion unreachable; it is re-sent
     * with the same request id until the job's deadline. {@code now} is when it was last sent.
     */
    public static MinionJob notSubmitted(String minion, MinionError error, Instant now) {
        return new MinionJob(minion, null, MinionState.SUBMITTING, null, error, now);
    }

    /** The kind of error of a minion another service sends the job to ({@link #elsewhere}). */
    public static final String ELSEWHERE = "elsewhere";

    /**
     * Not sent by this service: another service sharing the store owns the minion and sends it
     * (it awaits its submission there, with the job's request id; whoever owns it when it is due sends it).
     */
    public static MinionJob elsewhere(String minion) {
        return new MinionJob(minion, null, MinionState.SUBMITTING, null,
                new MinionError(ELSEWHERE, 0, "sent by the service that owns this minion"), null);
    }

    /** True for a minion left to the service that owns it ({@link #elsewhere}), not yet sent. */
    public boolean isElsewhere() {
        return awaitsResubmission() && ELSEWHERE.equals(error.kind());
    }

    /** True for a submission that did not arrive and waits to be re-sent. */
    public boolean awaitsResubmission() {
        return state == MinionState.SUBMITTING && error != null;
    }

    /** Accepted by the minion under {@code jobId}. */
    public static MinionJob running(String minion, String jobId, Instant now) {
        return new MinionJob(minion, jobId, MinionState.RUNNING, null, null, now);
    }

    public static MinionJob finished(String minion, String jobId, Object result, Instant now) {
        return new MinionJob(minion, jobId, MinionState.FINISHED, result, null, now);
    }

    public static MinionJob failed(String minion, String jobId, MinionError error, Instant now) {
        return new MinionJob(minion, jobId, MinionState.REMOTE_ERROR, null, error, now);
    }

    /** Not submitted yet: waits for its place in a rolling batch ({@code error} holds the batch). */
    public static MinionJob waiting(String minion, MinionError error) {
        return new MinionJob(minion, null, MinionState.WAITING, null, error, null);
    }

    /** Never started: its rolling batch stopped ({@code error} says why). */
    public static MinionJob notStarted(String minion, MinionError error, Instant now) {
        return new MinionJob(minion, null, MinionState.NOT_STARTED, null, error, now);
    }

    /** Cancelled; {@code why} says by whom and when (and whether it had started). */
    public static MinionJob cancelled(String minion, String jobId, String why, Instant now) {
        return new MinionJob(minion, jobId, MinionState.CANCELLED, null, new MinionError("cancelled", 0, why), now);
    }

    public static MinionJob lost(String minion, String jobId, String reason, Instant now) {
        return new MinionJob(minion, jobId, MinionState.LOST, null, new MinionError("lost", 0, reason), now);
    }

    /** Still RUNNING, with the error of the last poll (e.g. the minion was unreachable). */
    public MinionJob withPollError(MinionError pollError, Instant now) {
        return new MinionJob(minion, jobId, state, result, pollError, now);
    }
}
