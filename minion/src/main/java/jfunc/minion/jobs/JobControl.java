package jfunc.minion.jobs;

import java.util.Optional;

/**
 * What a running job may tell the runner, and how it learns it should stop. When a job exceeds
 * the maximum running time the runner fails it with a timeout fault, kills every tracked process
 * together with all its descendants (SIGKILL), and interrupts the job's thread.
 */
public interface JobControl {
    /** The minion job id. */
    String jobId();

    /**
     * Registers an OS process started for this job, so that a timeout kills it and its whole
     * process tree. Call it right after starting the process; if the job was already stopped the
     * process tree is killed at once.
     */
    void track(Process process);

    /** True once the job was stopped (timed out or the minion is shutting down). */
    boolean isStopped();

    /**
     * The control of the job running on the current thread, if this thread runs a job. Lets a
     * module that starts processes (command.run) register them without any plumbing.
     */
    static Optional<JobControl> current() {
        return Optional.ofNullable(LiveJob.CURRENT.get());
    }
}
