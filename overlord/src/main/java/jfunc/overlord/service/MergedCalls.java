package jfunc.overlord.service;

import java.util.List;
import jfunc.common.SingleFlight;
import jfunc.overlord.CallResult;
import jfunc.overlord.FanOutListener;

/**
 * Merged requests in the service: a sync call of a method the minions declare read-only
 * ({@code system.list_read_only_methods}) that arrives while an identical call (same method,
 * arguments, minions, timeout and batch) is in flight waits for that call's answer instead of
 * running again; its caller gets the same rows and the same job. {@code --no-merge} opts out.
 * Thread-safe.
 */
final class MergedCalls {
    /** What makes two calls identical. */
    record Key(String method, String params, List<String> names, long timeoutMillis, String batch) {}

    private final SingleFlight<Key, CallResult> flights = new SingleFlight<>();

    /** Runs {@code body}, or answers with the identical call's result, its rows told to {@code listener}. */
    CallResult call(Key key, FanOutListener listener, LiveCalls.Body body) throws Exception {
        return flights.run(key, () -> body.run(listener), r -> r.results().forEach(listener::finished));
    }

    /** Calls answered with an identical call's answer since the service started (a metric). */
    long merged() {
        return flights.merged();
    }
}
