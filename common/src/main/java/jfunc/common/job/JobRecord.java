package jfunc.common.job;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One minion job: as the minion's status file keeps it, and as a {@code jobs.status},
 * {@code jobs.status_many}, {@code jobs.list} or {@code jobs.wait} record carries it
 * ({@link #toWire}, {@link #fromWire}). Times are epoch milliseconds, 0 when not yet set.
 * {@code result} is already in wire form (see {@link jfunc.common.WireValues}); {@code faultCode}
 * is 0 unless FAILED; {@code requestId} is null for {@code async.} calls. {@code caller} is the
 * certificate name that submitted the job (null in records written before callers were kept, and
 * in records read from the wire): request ids are claimed per caller, and a caller sees only its
 * own jobs unless allowed more. {@code cancelledBy} is the certificate name that cancelled a
 * CANCELLED job (then {@code finished} is when), else null.
 */
public record JobRecord(String id, String method, String args, JobState state, Object result,
                        int faultCode, String faultString, String reason,
                        long submitted, long started, long finished, String requestId, String caller,
                        String cancelledBy) {

    /** A record without a canceller (every state but CANCELLED). */
    public JobRecord(String id, String method, String args, JobState state, Object result, int faultCode,
                     String faultString, String reason, long submitted, long started, long finished,
                     String requestId, String caller) {
        this(id, method, args, state, result, faultCode, faultString, reason, submitted, started, finished,
                requestId, caller, null);
    }

    /** The {@code state} of the answer for an id the minion does not know; never a job's state. */
    public static final String UNKNOWN = "UNKNOWN";

    private static final DateTimeFormatter ISO =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** A freshly accepted job. */
    public static JobRecord queued(String id, String method, String args, long now, String requestId, String caller) {
        return new JobRecord(id, method, args, JobState.QUEUED, null, 0, null, null, now, 0, 0, requestId, caller);
    }

    /**
     * The key of this job's request_id claim, or null without one: the caller and the id, so that
     * one caller can never claim (and so take over) a request id another caller will send.
     */
    public String claimKey() {
        return requestId == null ? null : claimKey(caller, requestId);
    }

    /** A claim of {@code requestId} by {@code caller}; a record without caller (older format) used the bare id. */
    public static String claimKey(String caller, String requestId) {
        return caller == null ? requestId : caller + "\u0000" + requestId;
    }

    public JobRecord running(long now) {
        return new JobRecord(id, method, args, JobState.RUNNING, null, 0, null, null, submitted, now, 0, requestId, caller);
    }

    public JobRecord finished(Object wireResult, long now) {
        return new JobRecord(id, method, args, JobState.FINISHED, wireResult, 0, null, null,
                submitted, started, now, requestId, caller);
    }

    public JobRecord failed(int code, String text, long now) {
        return new JobRecord(id, method, args, JobState.FAILED, null, code, text, null,
                submitted, started, now, requestId, caller);
    }

    public JobRecord lost(String why, long now) {
        return new JobRecord(id, method, args, JobState.LOST, null, 0, null, why, submitted, started, now, requestId, caller);
    }

    /** Cancelled by the certificate name {@code by} at {@code now}; {@code reason} says so in words. */
    public JobRecord cancelled(String by, long now) {
        String why = "cancelled by " + by + " at " + iso(now) + (state == JobState.QUEUED ? " while queued" : "");
        return new JobRecord(id, method, args, JobState.CANCELLED, null, 0, null, why, submitted, started, now,
                requestId, caller, by);
    }

    /**
     * The wire struct: {@code id, method, args, state, result (FINISHED, when asked),
     * fault_code + fault_string (FAILED), reason (LOST, CANCELLED), cancelled_by (CANCELLED),
     * submitted, started, finished, request_id}; absent members were never set.
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
        if (cancelledBy != null) {
            m.put("cancelled_by", cancelledBy);
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
    public static Map<String, Object> unknownToWire(String id, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("state", UNKNOWN);
        m.put("reason", reason);
        return m;
    }

    /**
     * For the answer a minion gives for an id it does not know ({@link #unknownToWire}): its reason
     * ("" when it gave none); null for anything else.
     */
    public static String unknownReason(Object wire) {
        if (wire instanceof Map<?, ?> m && UNKNOWN.equals(m.get("state"))) {
            return text(m, "reason", "");
        }
        return null;
    }

    /** True for a {@code jobs.status_many} answer (a struct of records by id), false for one record. */
    public static boolean isRecordsById(Map<?, ?> wire) {
        return !wire.containsKey("state");
    }

    /**
     * A record as {@link #toWire} sent it (the caller is not on the wire: null). A FINISHED record
     * sent without its result has the result "". Throws {@link IllegalArgumentException} saying
     * what is wrong for anything else, including the {@link #UNKNOWN} answer.
     */
    public static JobRecord fromWire(Object wire) {
        if (!(wire instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("a job record was expected, got " + wire);
        }
        Object stateName = m.get("state");
        JobState state = null;
        for (JobState s : JobState.values()) {
            if (s.name().equals(stateName)) {
                state = s;
            }
        }
        if (state == null) {
            throw new IllegalArgumentException("unknown job state '" + stateName + "'");
        }
        Object result = state == JobState.FINISHED ? m.containsKey("result") ? m.get("result") : "" : null;
        int code = m.get("fault_code") instanceof Integer c ? c : 0;
        String faultString = state == JobState.FAILED ? text(m, "fault_string", "") : null;
        return new JobRecord(text(m, "id", null), text(m, "method", null), text(m, "args", null), state, result,
                code, faultString, text(m, "reason", null), time(m, "submitted"), time(m, "started"),
                time(m, "finished"), text(m, "request_id", null), null, text(m, "cancelled_by", null));
    }

    public static String iso(long millis) {
        return ISO.format(Instant.ofEpochMilli(millis));
    }

    private static String text(Map<?, ?> m, String key, String absent) {
        Object v = m.get(key);
        return v == null ? absent : String.valueOf(v);
    }

    private static long time(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return 0;
        }
        try {
            return Instant.parse(String.valueOf(v)).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("job record member " + key + " is not an ISO time: '" + v + "'");
        }
    }

    private static void putTime(Map<String, Object> m, String key, long millis) {
        if (millis > 0) {
            m.put(key, iso(millis));
        }
    }
}
