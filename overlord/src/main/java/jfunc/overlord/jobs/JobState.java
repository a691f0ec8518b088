package jfunc.overlord.jobs;

/**
 * The state of an overlord job (DESIGN.md "Async jobs"): RUNNING while the overlord submits to
 * the minions, PARTIAL once every minion job id is recorded and some minion is still working,
 * FINISHED when every minion is done (FINISHED, REMOTE_ERROR or LOST) and the results are stored.
 */
public enum JobState {
    RUNNING,
    PARTIAL,
    FINISHED,
    /**
     * Never stored: a RUNNING job whose submitting process died before it recorded every minion
     * (a crash or kill during the fan-out). The next status poll settles it: minions without a
     * recorded job id become LOST and the job moves on to PARTIAL or FINISHED.
     */
    INCOMPLETE;

    /** Parses a state name case-insensitively; throws IllegalArgumentException listing the choices. */
    public static JobState parse(String text) {
        for (JobState s : values()) {
            if (s.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown job state '" + text + "' (use running, partial, finished or incomplete)");
    }
}
