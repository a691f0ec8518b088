package jfunc.minion.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import jfunc.common.Faults;
import jfunc.common.Ids;
import jfunc.common.job.CancelReply;
import jfunc.common.job.JobProtocol;
import jfunc.common.job.JobRecord;
import jfunc.minion.CallContext;
import org.apache.xmlrpc.XmlRpcException;

/**
 * The wire surface: parses and checks the parameters of {@code async.*} and {@code jobs.*},
 * answers records as structs, and faults with codes from {@link Faults} for bad input.
 */
final class JobMethods {
    /**
     * The ACL right to see (and wait for) every caller's jobs, not only one's own. It is not a
     * method name, so no method glob such as {@code jobs.*} grants it by accident; the overlord
     * has it.
     */
    static final String ALL_JOBS = "jobs:all";
    private static final DateTimeFormatter ID_PREFIX =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

    private final Submissions submissions;
    private final JobLedger ledger;
    private final JobLimits limits;
    private final Clock clock;
    private final Semaphore waiters;

    JobMethods(Submissions submissions, JobLedger ledger, JobLimits limits, Clock clock) {
        this.submissions = submissions;
        this.ledger = ledger;
        this.limits = limits;
        this.clock = clock;
        this.waiters = new Semaphore(limits.maxWaiters());
    }

    Object call(String method, List<Object> p, CallContext context) throws XmlRpcException {
        if (method.startsWith(JobProtocol.ASYNC_PREFIX)) {
            return submissions.submit(method.substring(JobProtocol.ASYNC_PREFIX.length()), p, null, context);
        }
        return switch (method) {
            case JobProtocol.SUBMIT -> submit(p, context);
            case JobProtocol.STATUS -> status(p, context);
            case JobProtocol.STATUS_MANY -> statusMany(p, context);
            case JobProtocol.LIST -> list(p, context);
            case JobProtocol.WAIT -> await(p, context);
            case JobProtocol.CANCEL -> cancel(p, context);
            default -> throw new XmlRpcException(Faults.UNKNOWN_METHOD, "unknown method " + method
                    + " (" + String.join(", ", JobProtocol.METHODS) + ")");
        };
    }

    private String submit(List<Object> p, CallContext context) throws XmlRpcException {
        arity(JobProtocol.SUBMIT + "(request_id, \"module.method\", [args])", p, 2, 3);
        String requestId = string(p.get(0), "request_id");
        if (!JobProtocol.isValidRequestId(requestId)) {
            throw bad("request_id must be a non-empty string of at most " + JobProtocol.MAX_REQUEST_ID + " characters");
        }
        String target = string(p.get(1), "method");
        List<Object> args = List.of();
        if (p.size() == 3) {
            if (p.get(2) instanceof Object[] a) {
                args = Arrays.asList(a);
            } else if (p.get(2) instanceof List<?> l) {
                args = new ArrayList<>(l);
            } else {
                throw bad(JobProtocol.SUBMIT + ": args must be an array, not " + typeOf(p.get(2)));
            }
        }
        return submissions.submit(target, args, requestId, context);
    }

    /** True when the caller may see every job ({@link #ALL_JOBS}), not only its own. */
    static boolean seesAllJobs(CallContext context) {
        return context.mayCall(ALL_JOBS);
    }

    private static boolean visible(JobRecord r, CallContext context) {
        return context.caller().equals(r.caller()) || seesAllJobs(context);
    }

    private Map<String, Object> status(List<Object> p, CallContext context) throws XmlRpcException {
        arity(JobProtocol.STATUS + "(id)", p, 1, 1);
        String id = jobId(p.get(0));
        JobRecord r = read(id, context);
        if (r == null) {
            throw new XmlRpcException(Faults.UNKNOWN_JOB, unknownReason(id));
        }
        return r.toWire(true);
    }

    private Map<String, Object> statusMany(List<Object> p, CallContext context) throws XmlRpcException {
        arity(JobProtocol.STATUS_MANY + "([ids])", p, 1, 1);
        Object[] ids;
        if (p.get(0) instanceof Object[] a) {
            ids = a;
        } else if (p.get(0) instanceof List<?> l) {
            ids = l.toArray();
        } else {
            throw bad(JobProtocol.STATUS_MANY + ": expected an array of job ids, not " + typeOf(p.get(0)));
        }
        if (ids.length > limits.statusManyLimit()) {
            throw bad(JobProtocol.STATUS_MANY + ": " + ids.length + " ids; at most " + limits.statusManyLimit()
                    + " per call (jobs.status_many_limit)");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Object o : ids) {
            if (!(o instanceof String id)) {
                throw bad(JobProtocol.STATUS_MANY + ": every id must be a string, not " + typeOf(o));
            }
            if (!Ids.isValid(id)) {
                out.put(id, JobRecord.unknownToWire(id, "malformed job id '" + id + "'"));
                continue;
            }
            JobRecord r = read(id, context);
            out.put(id, r != null ? r.toWire(true) : JobRecord.unknownToWire(id, unknownReason(id)));
        }
        return out;
    }

    private Object[] list(List<Object> p, CallContext context) throws XmlRpcException {
        arity(JobProtocol.LIST + "([since])", p, 0, 1);
        String after = null;
        if (p.size() == 1 && !"".equals(p.get(0))) {
            String since = string(p.get(0), "since");
            if (Ids.isValid(since)) {
                after = since;
            } else {
                try {
                    // every id made at or after the instant sorts after this prefix
                    after = ID_PREFIX.format(Instant.parse(since)) + "-";
                } catch (DateTimeParseException e) {
                    throw bad(JobProtocol.LIST + ": since must be a job id or an ISO time such as 2026-11-23T01:30:00Z, not '"
                            + since + "'");
                }
            }
        }
        List<JobRecord> records = ledger.store().newest(after, limits.listLimit(), r -> visible(r, context));
        List<Object> out = new ArrayList<>(records.size());
        for (JobRecord r : records) {
            JobRecord shown = ledger.liveView(r.id()); // a live job shows its visible state
            out.add((shown != null ? shown : r).toWire(false));
        }
        return out.toArray();
    }

    /**
     * jobs.wait(id, seconds): seconds below 0 count as 0 (answer at once), above jobs.max_wait
     * (300) as that maximum. At most jobs.max_waiters waits run at once (each holds an RPC
     * worker); beyond that the call faults UNAVAILABLE rather than starve other callers.
     */
    private Map<String, Object> await(List<Object> p, CallContext context) throws XmlRpcException {
        arity(JobProtocol.WAIT + "(id, seconds)", p, 2, 2);
        String id = jobId(p.get(0));
        double seconds;
        if (p.get(1) instanceof Integer i) {
            seconds = i;
        } else if (p.get(1) instanceof Double d && !d.isNaN()) {
            seconds = d;
        } else {
            throw bad(JobProtocol.WAIT + ": seconds must be a number, not " + typeOf(p.get(1)));
        }
        seconds = Math.max(0, Math.min(limits.maxWait().toMillis() / 1000.0, seconds));
        if (read(id, context) == null) {
            throw new XmlRpcException(Faults.UNKNOWN_JOB, unknownReason(id));
        }
        if (!waiters.tryAcquire()) {
            throw new XmlRpcException(Faults.UNAVAILABLE, "too many " + JobProtocol.WAIT + " calls in progress (jobs.max_waiters = "
                    + limits.maxWaiters() + "); retry, or poll with " + JobProtocol.STATUS_MANY);
        }
        JobRecord r;
        try {
            r = ledger.await(id, Duration.ofMillis(Math.round(seconds * 1000)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new XmlRpcException(Faults.UNAVAILABLE, "interrupted while waiting for job " + id);
        } finally {
            waiters.release();
        }
        if (r == null) {
            throw new XmlRpcException(Faults.UNKNOWN_JOB, unknownReason(id));
        }
        return r.toWire(true);
    }

    /**
     * jobs.cancel(id): see {@link JobLedger#cancel}. Another caller's job is unknown (108) unless
     * the caller sees all jobs, as for jobs.status.
     */
    private Map<String, Object> cancel(List<Object> p, CallContext context) throws XmlRpcException {
        arity(JobProtocol.CANCEL + "(id)", p, 1, 1);
        String id = jobId(p.get(0));
        if (read(id, context) == null) {
            throw new XmlRpcException(Faults.UNKNOWN_JOB, unknownReason(id));
        }
        CancelReply reply;
        try {
            reply = ledger.cancel(id, context.caller(), Submissions.DURABLE_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new XmlRpcException(Faults.UNAVAILABLE, "interrupted while cancelling job " + id);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new XmlRpcException(Faults.UNAVAILABLE, "job " + id + " was stopped but the status file has not"
                    + " recorded its end within " + JobRunner.human(Submissions.DURABLE_TIMEOUT) + "; ask jobs.status");
        }
        if (reply == null) {
            throw new XmlRpcException(Faults.UNKNOWN_JOB, unknownReason(id));
        }
        return reply.toWire();
    }

    /** jobs.wait calls blocked right now. */
    int waiting() {
        return limits.maxWaiters() - waiters.availablePermits();
    }

    /** The record the caller may see, or null: another caller's job is answered as unknown. */
    private JobRecord read(String id, CallContext context) throws XmlRpcException {
        try {
            JobRecord r = ledger.view(id);
            return r == null || visible(r, context) ? r : null;
        } catch (JobCodec.UnreadableRecordException e) {
            throw new XmlRpcException(Faults.INTERNAL_ERROR, "the record of job " + id
                    + " in the status file is unreadable: " + e.getMessage());
        }
    }

    /** Why an id is unknown: purged after the retention, older than this status file, or never here. */
    String unknownReason(String id) {
        StatusFile store = ledger.store();
        long at = Ids.timeOf(id).toEpochMilli();
        String purged = store.purgedThrough();
        String retention = JobRunner.human(limits.retention());
        if ((purged != null && id.compareTo(purged) <= 0) || at < clock.millis() - limits.retention().toMillis()) {
            return "no job " + id + " on this minion; jobs that ended more than " + retention
                    + " ago are purged (job_retention), it may have been one of them";
        }
        if (at < store.created()) {
            return "no job " + id + " on this minion; the id is older than its status file (created "
                    + JobRecord.iso(store.created()) + ")";
        }
        return "no job " + id + " on this minion";
    }

    private static String jobId(Object o) throws XmlRpcException {
        if (!(o instanceof String id) || !Ids.isValid(id)) {
            throw bad("malformed job id " + (o instanceof String ? "'" + o + "'" : typeOf(o))
                    + " (job ids look like 20261123-013045-123-7f3a9c01-5be0c2d94a17e3f8)");
        }
        return id;
    }

    private static String string(Object o, String what) throws XmlRpcException {
        if (!(o instanceof String s)) {
            throw bad(what + " must be a string, not " + typeOf(o));
        }
        return s;
    }

    private static void arity(String usage, List<Object> p, int min, int max) throws XmlRpcException {
        if (p.size() < min || p.size() > max) {
            throw bad("usage: " + usage + " (got " + p.size() + " parameters)");
        }
    }

    private static String typeOf(Object o) {
        if (o instanceof Object[]) {
            return "an array";
        }
        if (o instanceof Map) {
            return "a struct";
        }
        return o == null ? "nothing" : "a " + o.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    private static XmlRpcException bad(String message) {
        return new XmlRpcException(Faults.BAD_ARGUMENTS, message);
    }
}
