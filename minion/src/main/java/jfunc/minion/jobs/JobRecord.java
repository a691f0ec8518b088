package jfunc.minion.jobs;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One job as the status file keeps it. Times are epoch milliseconds, 0 when not yet set.
 * {@code result} is already in wire form (see {@link jfunc.common.WireValues}); {@code faultCode}
 * is 0 unless FAILED; {@code requestId} is null for {@code async.} calls. {@code caller} is the
 * certificate name that submitted the job (null in records written before callers were kept):
 * request ids are claimed per caller, and a caller sees only its own jobs unless allowed more.
 */
public record JobRecord(String id, String method, String args, JobState state, Object result,
                        int faultCode, String faultString, String reason,
                        long submitted, long started, long finished, String requestId, String caller) {

    private static final DateTimeFormatter ISO =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** A freshly accepted job. */
    static JobRecord queued(String id, String method, String args, long now, String requestId, String caller) {
        return new JobRecord(id, method, args, JobState.QUEUED, null, 0, null, null, now, 0, 0, requestId, caller);
    }

    /**
     * The key of this job's request_id claim, or null without one: the caller and the id, so that
     * one caller can never claim (and so take over) a request id another caller will send.
     */
    String claimKey() {
        return requestId == null ? null : claimKey(caller, requestId);
    }

    /** A claim of {@code requestId} by {@code caller}; a record without caller (older format) used the bare id. */
    static String claimKey(String caller, String requestId) {
        return caller == null ? requestId : caller + "\u0000" + requestId;
    }

    JobRecord running(long now) {
        return new JobRecord(id, method, args, JobState.RUNNING, null, 0, null, null, submitted, now, 0, requestId, caller);
    }

    JobRecord finished(Object wireResult, long now) {
        return new JobRecord(id, method, args, JobState.FINISHED, wireResult, 0, null, null,
                submitted, started, now, requestId, caller);
    }

    JobRecord failed(int code, String text, long now) {
        return new JobRecord(id, method, args, JobState.FAILED, null, code, text, null,
                submitted, started, now, requestId, caller);
    }

    JobRecord lost(String why, long now) {
        return new JobRecord(id, method, args, JobState.LOST, null, 0, null, why, submitted, started, now, requestId, caller);
    }

    /**
     * The wire struct: {@code id, method, args, state, result (FINISHED, when asked),
     * fault_code + fault_string (FAILED), reason (LOST), submitted, started, finished,
     * request_id}; absent members were never set.
     */
    public Map<String, Object> toWire(boolean withResult) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("method", method);
        m.put("args", args);
        m.put("state", state.name());
        if (withResult && state == JobState.FINISHED && result != null) {
            m.put("result", result);
        }
        if (state == JobState.FAILED) {
            m.put("fault_code", faultCode);
            m.put("fault_string", faultString == null ? "" : faultString);
        }
        if (reason != null) {
            m.put("reason", reason);
        }
        putTime(m, "submitted", submitted);
        putTime(m, "started", started);
        putTime(m, "finished", finished);
        if (requestId != null) {
            m.put("request_id", requestId);
        }
        return m;
    }

    /** The wire answer for an id this minion does not know. */
    static Map<String, Object> unknownToWire(String id, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("state", "UNKNOWN");
        m.put("reason", reason);
        return m;
    }

    static String iso(long millis) {
        return ISO.format(Instant.ofEpochMilli(millis));
    }

    private static void putTime(Map<String, Object> m, String key, long millis) {
        if (millis > 0) {
            m.put(key, iso(millis));
        }
    }
}
