package jfunc.overlord.jobs;

/** The state of one minion's part of an overlord job. */
public enum MinionState {
    /** The overlord has not recorded this minion's job id yet (the fan-out is in progress). */
    SUBMITTING,
    /** The minion accepted the job and has not finished it (as far as the last poll knows). */
    RUNNING,
    /** The minion finished the job; the result is stored. */
    FINISHED,
    /** Submission was refused, the minion job failed, or the minion stayed unreachable past the deadline. */
    REMOTE_ERROR,
    /** The minion no longer knows the job (restarted mid-run, purged), or submission was interrupted. */
    LOST;

    /** True for the states that never change again. */
    public boolean isDone() {
        return this == FINISHED || this == REMOTE_ERROR || this == LOST;
    }
}
