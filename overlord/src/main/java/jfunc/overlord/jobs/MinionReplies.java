package jfunc.overlord.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jfunc.common.job.JobProtocol;
import jfunc.common.job.JobRecord;
import jfunc.common.job.SecretArgs;
import jfunc.common.rpc.CallError;
import jfunc.overlord.MinionResult;

/**
 * The minion side of the async protocol as the overlord reads it (docs/PROTOCOL.md): what a
 * {@code jobs.submit}, {@code jobs.status}, {@code jobs.status_many} or {@code jobs.wait} answer
 * (or failure) means for a minion's record, the request ids, and the argument summary.
 */
final class MinionReplies {
    static final int MAX_ARGS_SUMMARY = 200;

    private MinionReplies() {}

    /**
     * One pending minion job: the overlord job it belongs to and that job's method, the minion's
     * record, the job's deadline.
     */
    record Pending(String jobId, String method, MinionJob minion, Instant deadline) {}

    /** The new records of {@code pending} (all of one minion) from its answer. */
    static List<MinionJob> interpret(List<Pending> pending, MinionResult r, Instant now) {
        List<MinionJob> out = new ArrayList<>(pending.size());
        if (!r.ok()) {
            for (Pending p : pending) {
                out.add(fromError(p, r.error(), now));
            }
            return out;
        }
        if (pending.size() == 1 && !(r.value() instanceof Map<?, ?> m && JobRecord.isRecordsById(m))) {
            out.add(fromRecord(pending.get(0), r.value(), now));
            return out;
        }
        Map<?, ?> byId = r.value() instanceof Map<?, ?> m ? m : Map.of();
        for (Pending p : pending) {
            Object record = byId.get(p.minion().jobId());
            out.add(record != null ? fromRecord(p, record, now) : p.minion().withPollError(new MinionError("protocol", 0,
                    JobProtocol.STATUS_MANY + " did not answer for job " + p.minion().jobId()), now));
        }
        return out;
    }

    static MinionJob fromRecord(Pending p, Object reply, Instant now) {
        MinionJob cur = p.minion();
        String unknown = JobRecord.unknownReason(reply);
        if (unknown != null) {
            return MinionJob.lost(cur.minion(), cur.jobId(), unknown.isEmpty()
                    ? "the minion no longer knows job " + cur.jobId() : unknown, now);
        }
        JobRecord record;
        try {
            record = JobRecord.fromWire(reply);
        } catch (IllegalArgumentException e) {
            return cur.withPollError(new MinionError("protocol", 0, e.getMessage()), now);
        }
        String foreign = foreignRecord(p, record);
        if (foreign != null) {
            return MinionJob.failed(cur.minion(), cur.jobId(), new MinionError("protocol", 0, foreign), now);
        }
        return switch (record.state()) {
            case FINISHED -> MinionJob.finished(cur.minion(), cur.jobId(), record.result(), now);
            case FAILED -> MinionJob.failed(cur.minion(), cur.jobId(),
                    new MinionError("fault", record.faultCode(), record.faultString()), now);
            case LOST -> MinionJob.lost(cur.minion(), cur.jobId(), record.reason() != null ? record.reason()
                    : "the minion no longer knows job " + cur.jobId(), now);
            case CANCELLED -> MinionJob.cancelled(cur.minion(), cur.jobId(),
                    record.reason() != null ? record.reason() : "cancelled", now);
            case QUEUED, RUNNING -> MinionJob.running(cur.minion(), cur.jobId(), now);
        };
    }

    /**
     * Why a record is not the one this overlord submitted (another method or request id: the id
     * may have been claimed by someone else, or the minion is confused), or null when it is.
     */
    private static String foreignRecord(Pending p, JobRecord record) {
        String expected = requestId(p.jobId(), p.minion().minion());
        String method = record.method();
        String requestId = record.requestId();
        if (p.method().equals(method) && expected.equals(requestId)) {
            return null;
        }
        return "minion job " + p.minion().jobId() + " is not this job's submission: it runs " + method
                + " for request " + requestId + ", this job sent " + p.method() + " as " + expected
                + "; its result is not taken";
    }

    static MinionJob fromError(Pending p, CallError error, Instant now) {
        MinionJob cur = p.minion();
        if (error.kind() == CallError.Kind.FAULT && error.faultCode() == jfunc.common.Faults.UNKNOWN_JOB) {
            return MinionJob.lost(cur.minion(), cur.jobId(), error.message(), now);
        }
        if (p.deadline() != null && now.isAfter(p.deadline())) {
            return MinionJob.failed(cur.minion(), cur.jobId(), new MinionError(MinionError.of(error).kind(),
                    error.faultCode(), error.message() + " (and the job's deadline " + p.deadline() + " has passed)"), now);
        }
        return cur.withPollError(MinionError.of(error), now);
    }

    /**
     * What jobs.submit answered, as this minion's record. A submission that timed out or found
     * the minion unreachable is kept for re-sending (the request id makes that safe: a minion
     * that did get it answers with the same job id and runs nothing twice).
     */
    static MinionJob submission(MinionResult r) {
        Instant now = Instant.now();
        if (!r.ok()) {
            MinionError e = MinionError.of(r.error());
            if (r.error().kind() == CallError.Kind.TIMEOUT) {
                e = new MinionError(e.kind(), e.code(), e.message() + " (the minion may have started the job)");
            }
            if (r.error().kind() == CallError.Kind.TIMEOUT || r.error().kind() == CallError.Kind.UNREACHABLE) {
                return MinionJob.notSubmitted(r.minion(), e, now);
            }
            return MinionJob.failed(r.minion(), null, e, now);
        }
        if (r.value() instanceof String minionJobId && !minionJobId.isEmpty()) {
            return MinionJob.running(r.minion(), minionJobId, now);
        }
        return MinionJob.failed(r.minion(), null, new MinionError("protocol", 0,
                JobProtocol.SUBMIT + " answered " + r.value() + " instead of a job id"), now);
    }

    /** The idempotency key of one minion's submission ({@link JobProtocol#requestId}). */
    static String requestId(String jobId, String minion) {
        return JobProtocol.requestId(jobId, minion);
    }

    /**
     * A bounded, readable summary of the arguments, {@code ['yum -y update', 5]}, without
     * secrets ({@link SecretArgs}).
     */
    static String summarize(List<Object> arguments) {
        List<Object> params = SecretArgs.redact(arguments);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < params.size() && b.length() <= MAX_ARGS_SUMMARY; i++) {
            if (i > 0) {
                b.append(", ");
            }
            render(b, params.get(i));
        }
        b.append(']');
        return b.length() <= MAX_ARGS_SUMMARY ? b.toString() : b.substring(0, MAX_ARGS_SUMMARY - 3) + "...";
    }

    private static void render(StringBuilder b, Object v) {
        if (b.length() > MAX_ARGS_SUMMARY) {
            return;
        }
        if (v instanceof String s) {
            b.append('\'').append(s.length() > MAX_ARGS_SUMMARY ? s.substring(0, MAX_ARGS_SUMMARY) : s).append('\'');
        } else if (v instanceof byte[] bytes) {
            b.append('<').append(bytes.length).append(" bytes>");
        } else if (v instanceof Object[] a) {
            b.append('[');
            for (int i = 0; i < a.length && b.length() <= MAX_ARGS_SUMMARY; i++) {
                b.append(i > 0 ? ", " : "");
                render(b, a[i]);
            }
            b.append(']');
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (b.length() > MAX_ARGS_SUMMARY) {
                    break;
                }
                b.append(first ? "" : ", ").append(e.getKey()).append(": ");
                render(b, e.getValue());
                first = false;
            }
            b.append('}');
        } else {
            b.append(v);
        }
    }
}
