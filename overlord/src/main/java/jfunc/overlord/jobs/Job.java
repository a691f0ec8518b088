package jfunc.overlord.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A job with its per-minion records (sorted by minion name). */
public record Job(JobSummary summary, List<MinionJob> minions) {
    public Job {
        minions = List.copyOf(minions);
    }

    /**
     * A new job as it is stored before the fan-out: RUNNING, submitted by this process, every
     * minion SUBMITTING.
     */
    public static Job submitting(String id, String target, String method, String args, Instant submitted,
                                 Instant deadline, Collection<String> minionNames) {
        List<MinionJob> minions = new ArrayList<>();
        for (String name : new TreeSet<>(minionNames)) {
            minions.add(MinionJob.submitting(name));
        }
        JobSummary summary = new JobSummary(id, target, method, args, submitted, deadline, JobState.RUNNING,
                Submitter.current(), countStates(minions));
        return new Job(summary, minions);
    }

    public String id() {
        return summary.id();
    }

    public JobState state() {
        return summary.state();
    }

    /** The minions not yet done (SUBMITTING or RUNNING). */
    public List<MinionJob> unfinished() {
        return minions.stream().filter(m -> !m.state().isDone()).toList();
    }

    static Map<MinionState, Integer> countStates(Collection<MinionJob> minions) {
        Map<MinionState, Integer> counts = new EnumMap<>(MinionState.class);
        for (MinionJob m : minions) {
            counts.merge(m.state(), 1, Integer::sum);
        }
        return counts;
    }
}
