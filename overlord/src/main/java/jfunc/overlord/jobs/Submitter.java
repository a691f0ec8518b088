package jfunc.overlord.jobs;

import java.time.Instant;

/**
 * The process that is submitting a job (its pid and start time, so a reused pid is not mistaken
 * for it). A job carries one while its fan-out is in progress; a reader whose submitter is gone
 * sees the job as {@link JobState#INCOMPLETE}.
 */
public record Submitter(long pid, long startMillis) {
    private static final long CLOCK_SLACK_MILLIS = 1_000;

    /** This process. */
    public static Submitter current() {
        ProcessHandle me = ProcessHandle.current();
        return new Submitter(me.pid(), me.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
    }

    /** True while that very process still runs. */
    public boolean isAlive() {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .map(h -> startMillis == 0 || h.info().startInstant()
                        .map(s -> Math.abs(s.toEpochMilli() - startMillis) <= CLOCK_SLACK_MILLIS)
                        .orElse(true))
                .orElse(false);
    }
}
