package jfunc.common.job;

/**
 * The state of a minion job as the minion records it in its status file and sends it on the wire
 * (by name, in a record's {@code state}; an id the minion does not know is answered with
 * {@link JobRecord#UNKNOWN}, which is not a state of any job).
 *
 * <pre>
 *   QUEUED ──▶ RUNNING ──▶ FINISHED | FAILED
 *      │           │
 *      ├───────────┼──▶ LOST        (the minion restarted or stopped before the job ended)
 *      └───────────┴──▶ CANCELLED   (jobs.cancel: who and when are in the record)
 * </pre>
 * A job in a terminal state never changes again.
 */
public enum JobState {
    /** Accepted and durable; waiting for a free slot in its module's pool. */
    QUEUED,
    /** Running on a worker of its module's pool. */
    RUNNING,
    /** Ended normally; the record carries the result. */
    FINISHED,
    /** Ended with a fault (module error, timeout, result too large); the record carries code and text. */
    FAILED,
    /** The minion died or stopped before the job ended; the record carries the reason. */
    LOST,
    /** Stopped by {@code jobs.cancel}; the record carries who cancelled it ({@code cancelled_by}) and when ({@code finished}). */
    CANCELLED;

    public boolean isTerminal() {
        return this != QUEUED && this != RUNNING;
    }
}
