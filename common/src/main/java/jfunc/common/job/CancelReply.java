package jfunc.common.job;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to {@code jobs.cancel(id)}: {@code cancelled} is true when this call stopped the job
 * (it is now CANCELLED), false when the job had already ended and nothing changed; {@code state}
 * is the job's state after the call (CANCELLED, or the terminal state it already had);
 * {@code message} says what happened in words. {@code cancelledBy} is the certificate name
 * recorded as the canceller (this caller, or an earlier one), null when the job was not cancelled.
 * On the wire: {@code {id, cancelled, state, message[, cancelled_by]}}.
 */
public record CancelReply(String id, boolean cancelled, JobState state, String message, String cancelledBy) {

    /** The reply for the record a cancel call left (or found): cancelled tells whether this call did it. */
    public static CancelReply of(JobRecord after, boolean cancelled) {
        String message;
        if (cancelled) {
            message = "job " + after.id() + " " + after.reason();
        } else if (after.state() == JobState.CANCELLED) {
            message = "job " + after.id() + " was already " + after.reason() + "; nothing changed";
        } else {
            message = "job " + after.id() + " already ended " + after.state()
                    + (after.finished() > 0 ? " at " + JobRecord.iso(after.finished()) : "") + "; nothing changed";
        }
        return new CancelReply(after.id(), cancelled, after.state(), message, after.cancelledBy());
    }

    public Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("cancelled", cancelled);
        m.put("state", state.name());
        m.put("message", message);
        if (cancelledBy != null) {
            m.put("cancelled_by", cancelledBy);
        }
        return m;
    }

    /** A reply as {@link #toWire} sent it; {@link IllegalArgumentException} saying what is wrong otherwise. */
    public static CancelReply fromWire(Object wire) {
        if (!(wire instanceof Map<?, ?> m) || !(m.get("cancelled") instanceof Boolean cancelled)
                || !(m.get("id") instanceof String id)) {
            throw new IllegalArgumentException("a jobs.cancel reply {id, cancelled, state, message} was expected, got "
                    + wire);
        }
        JobState state;
        try {
            state = JobState.valueOf(String.valueOf(m.get("state")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown job state '" + m.get("state") + "' in a jobs.cancel reply");
        }
        Object by = m.get("cancelled_by");
        return new CancelReply(id, cancelled, state, String.valueOf(m.get("message")), by == null ? null : by.toString());
    }
}
