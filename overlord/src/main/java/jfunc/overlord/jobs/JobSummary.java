package jfunc.overlord.jobs;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What {@code job list} shows of a job: everything but the per-minion records.
 *
 * @param id        the overlord job id ({@link jfunc.common.Ids})
 * @param target    the target as typed
 * @param method    {@code module.method}
 * @param args      a bounded summary of the arguments
 * @param submitted when it was created
 * @param deadline  after this, minions that never answered become REMOTE_ERROR; null: none
 * @param state     the effective state ({@link JobState#INCOMPLETE} when the submitter died)
 * @param submitter the process still submitting it, or null once the fan-out is over
 * @param counts    how many minions are in each state
 */
public record JobSummary(String id, String target, String method, String args, Instant submitted, Instant deadline,
                         JobState state, Submitter submitter, Map<MinionState, Integer> counts) {
    public JobSummary {
        EnumMap<MinionState, Integer> copy = new EnumMap<>(MinionState.class);
        copy.putAll(counts);
        counts = Collections.unmodifiableMap(copy);
    }

    /** All minions of the job. */
    public int minionCount() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int count(MinionState s) {
        return counts.getOrDefault(s, 0);
    }

    /** Minions still SUBMITTING, WAITING or RUNNING. */
    public int unfinished() {
        return count(MinionState.SUBMITTING) + count(MinionState.WAITING) + count(MinionState.RUNNING);
    }

    /** Minions in a state that counts as failed ({@link MinionState#isFailure}). */
    public int failures() {
        return counts.entrySet().stream().filter(e -> e.getKey().isFailure()).mapToInt(Map.Entry::getValue).sum();
    }

    JobSummary with(JobState newState, Submitter newSubmitter, Map<MinionState, Integer> newCounts) {
        return new JobSummary(id, target, method, args, submitted, deadline, newState, newSubmitter, newCounts);
    }
}
