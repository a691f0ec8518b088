package jfunc.overlord.jobs;

/** The state of one minion's part of an overlord job. */
public enum MinionState {
    /** The overlord has not recorded this minion's job id yet (the fan-out is in progress). */
    SUBMITTING,
    /**
     * A rolling batch ({@code --batch ... --async}): not submitted yet, it waits for a place in
     * the batch; the error's message holds the batch ({@link jfunc.overlord.Batch#waiting}).
     */
    WAITING,
    /** The minion accepted the job and has not finished it (as far as the last poll knows). */
    RUNNING,
    /** The minion finished the job; the result is stored. */
    FINISHED,
    /** Submission was refused, the minion job failed, or the minion stayed unreachable past the deadline. */
    REMOTE_ERROR,
    /** The minion no longer knows the job (restarted mid-run, purged), or submission was interrupted. */
    LOST,
    /** Never started: a rolling batch stopped before this minion's turn ({@code --batch-fail}); the error says why. */
    NOT_STARTED,
    /** Cancelled ({@code jfunc job cancel}): its minion killed the job, or it was never submitted; the error says who and when. */
    CANCELLED;

    /** True for the states that never change again. */
    public boolean isDone() {
        return this == FINISHED || this == REMOTE_ERROR || this == LOST || this == NOT_STARTED || this == CANCELLED;
    }

    /** True for the done states that count as a failed minion (a FINISHED command may fail too: see CommandExits). */
    public boolean isFailure() {
        return this == REMOTE_ERROR || this == LOST || this == NOT_STARTED;
    }
}
