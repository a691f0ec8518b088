package jfunc.minion;

/**
 * Part of the module SPI: what a handler that starts OS processes gets, through its
 * {@link CallContext#job()}, so that stopping the call can stop them. For a job, stopping means
 * its pool's maximum running time passed, {@code jobs.cancel} or the minion stopping: the runner
 * then kills every tracked process with all its descendants ({@link ProcessTrees}) and interrupts
 * the job's thread. A plain (synchronous) call has {@link #NONE}.
 */
public interface JobControl {
    /** A call that is not a job: nothing to track, never stopped. */
    JobControl NONE = new JobControl() {
        @Override
        public String jobId() {
            return "";
        }

        @Override
        public void track(Process process) {}

        @Override
        public boolean isStopped() {
            return false;
        }
    };

    /** The minion job id ("" for a plain call). */
    String jobId();

    /**
     * Registers an OS process started for this job, so that stopping the job kills it and its whole
     * process tree. Call it right after starting the process; if the job was already stopped the
     * process tree is killed at once.
     */
    void track(Process process);

    /** True once the job was stopped (timed out, cancelled, or the minion is shutting down). */
    boolean isStopped();
}
