package jfunc.overlord;

import java.time.Duration;
import java.util.Objects;
import jfunc.common.rpc.CallError;

/**
 * What one minion answered: a value ({@link #ok()}) or a classified {@link CallError}:
 * UNREACHABLE (nothing listens, unknown host, or the name is not in the inventory), TIMEOUT (no
 * complete answer within the per-minion deadline), TLS (handshake or certificate refused, by
 * either side), FAULT (an XML-RPC fault: {@link CallError#faultCode()} from
 * {@link jfunc.common.Faults}) or PROTOCOL (the peer answered something that is not XML-RPC).
 *
 * @param minion  the minion's name
 * @param value   the decoded value (Integer, Boolean, Double, String, byte[], Map, Object[]);
 *                null when the call failed
 * @param error   why the call failed; null when it succeeded
 * @param elapsed from the start of this minion's call (not the queueing) to its outcome
 */
public record MinionResult(String minion, Object value, CallError error, Duration elapsed) {
    public MinionResult {
        Objects.requireNonNull(minion, "minion");
        Objects.requireNonNull(elapsed, "elapsed");
        if ((value == null) == (error == null)) {
            throw new IllegalArgumentException("a result holds either a value or an error");
        }
    }

    public static MinionResult success(String minion, Object value, Duration elapsed) {
        return new MinionResult(minion, value, null, elapsed);
    }

    public static MinionResult failure(String minion, CallError error, Duration elapsed) {
        return new MinionResult(minion, null, error, elapsed);
    }

    /** True when the minion answered with a value (not a fault or any other error). */
    public boolean ok() {
        return error == null;
    }
}
