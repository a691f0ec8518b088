package jfunc.overlord.jobs;

import java.util.HashMap;
import java.util.Map;

/**
 * What every {@link JobStore} decides the same way, whatever holds the records: a job's stored
 * state from its submitter and minion counts, and the state a reader sees (INCOMPLETE once the
 * submitting process is gone).
 */
final class StoreRules {
    private StoreRules() {}

    /** RUNNING while a submitter is recorded, else PARTIAL while a minion is unfinished, else FINISHED. */
    static JobState derive(Submitter submitter, Map<MinionState, Integer> counts) {
        if (submitter != null) {
            return JobState.RUNNING;
        }
        int unfinished = counts.getOrDefault(MinionState.SUBMITTING, 0) + counts.getOrDefault(MinionState.WAITING, 0)
                + counts.getOrDefault(MinionState.RUNNING, 0);
        return unfinished > 0 ? JobState.PARTIAL : JobState.FINISHED;
    }

    /** True when no minion awaits a (re-)submission: the call's parameters need not be kept any more. */
    static boolean nothingToSend(Map<MinionState, Integer> counts) {
        return !counts.containsKey(MinionState.SUBMITTING) && !counts.containsKey(MinionState.WAITING);
    }

    /** Answers for one read: asks once per submitter whether it runs (reading /proc costs about a millisecond). */
    static final class Readers {
        private final Map<Submitter, Boolean> alive = new HashMap<>();
        private final java.util.function.Predicate<Submitter> isAlive;

        Readers() {
            this(Submitter::isAlive);
        }

        /** With {@code isAlive} deciding whether a submitting process still runs (asked once per submitter). */
        Readers(java.util.function.Predicate<Submitter> isAlive) {
            this.isAlive = isAlive;
        }

        /** The summary as readers see it: INCOMPLETE when the submitting process is gone. */
        JobSummary effective(JobSummary s) {
            if (s.state() == JobState.RUNNING && s.submitter() != null
                    && !alive.computeIfAbsent(s.submitter(), isAlive::test)) {
                return s.with(JobState.INCOMPLETE, s.submitter(), s.counts());
            }
            return s;
        }
    }
}
