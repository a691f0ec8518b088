package jfunc.overlord;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of one fan-out: one {@link MinionResult} per selected minion, in target order
 * (the order the target named them; globs expand in name order). Immutable.
 */
public record CallResult(String method, List<MinionResult> results) {
    public CallResult {
        results = List.copyOf(results);
    }

    /** True when every minion answered with a value. */
    public boolean allOk() {
        return results.stream().allMatch(MinionResult::ok);
    }

    /** The results that are errors, in target order. */
    public List<MinionResult> failures() {
        return results.stream().filter(r -> !r.ok()).toList();
    }

    public Optional<MinionResult> get(String minion) {
        return results.stream().filter(r -> r.minion().equals(minion)).findFirst();
    }
}
