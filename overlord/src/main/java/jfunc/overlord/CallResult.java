package jfunc.overlord;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of one fan-out: one {@link MinionResult} per selected minion, in target order
 * (the order the target named them; globs expand in name order). Immutable.
 *
 * <p>Through the service a call is also a job: {@code jobId} names its record, and
 * {@code stillRunning} the minions that had not answered when the caller's timeout passed
 * (they have no result here; their answers are recorded in the job until its deadline).
 */
public record CallResult(String method, List<MinionResult> results, String jobId, List<String> stillRunning) {
    public CallResult {
        results = List.copyOf(results);
        stillRunning = List.copyOf(stillRunning);
    }

    /** A call that is not recorded as a job (embedded). */
    public CallResult(String method, List<MinionResult> results) {
        this(method, results, null, List.of());
    }

    /** True when every minion answered with a value. */
    public boolean allOk() {
        return stillRunning.isEmpty() && results.stream().allMatch(MinionResult::ok);
    }

    /** The results that are errors, in target order. */
    public List<MinionResult> failures() {
        return results.stream().filter(r -> !r.ok()).toList();
    }

    public Optional<MinionResult> get(String minion) {
        return results.stream().filter(r -> r.minion().equals(minion)).findFirst();
    }
}
