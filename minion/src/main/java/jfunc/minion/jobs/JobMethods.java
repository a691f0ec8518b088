package jfunc.minion.jobs;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import jfunc.common.Faults;
import jfunc.common.Ids;
import jfunc.common.job.CancelReply;
import jfunc.common.job.JobCall;
import jfunc.common.job.JobProtocol;
import jfunc.common.job.JobRecord;
import jfunc.minion.CallContext;
import org.apache.xmlrpc.XmlRpcException;

/**
 * The jobs methods behind the typed endpoint ({@link JobService}): answers parsed calls
 * ({@link JobCall}) with records as structs, and faults with codes from {@link Faults}.
 */
final class JobMethods {
    /**
     * The ACL right to see (and wait for) every caller's jobs, not only one's own. It is not a
     * method name, so no method glob such as {@code jobs.*} grants it by accident; the overlord
     * has it.
     */
    static final String ALL_JOBS = "jobs:all";

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

    /**
     * Answers one parsed call ({@link JobCall#parse} checked its parameters); an {@code async.}
     * or {@code jobs.submit} target was checked by {@link Submissions#check} before.
     */
    Object call(JobCall call, CallContext context) throws XmlRpcException {
        if (call instanceof JobCall.Async a) {
            return submissions.submit(a.method(), a.args(), null, context);
        }
        if (call instanceof JobCall.Submit s) {
            return submissions.submit(s.method(), s.args(), s.requestId(), context);
        }
        if (call instanceof JobCall.Status s) {
            return status(s.id(), context);
        }
        if (call instanceof JobCall.StatusMany m) {
            return statusMany(m.ids(), context);
        }
        if (call instanceof JobCall.ListJobs l) {
            return list(l.after(), context);
        }
        if (call instanceof JobCall.Wait w) {
            return await(w.id(), w.seconds(), context);
        }
        if (call instanceof JobCall.Cancel c) {
            return cancel(c.id(), context);
        }
        throw new IllegalStateException("unhandled job call " + call);
    }

    /** True when the caller may see every job ({@link #ALL_JOBS}), not only its own. */
    static boolean seesAllJobs(CallContext context) {
        return context.mayCall(ALL_JOBS);
    }

    private static boolean visible(JobRecord r, CallContext context) {
        return context.caller().equals(r.caller()) || seesAllJobs(context);
    }

    private Map<String, Object> status(String id, CallContext context) throws XmlRpcException {
        JobRecord r = read(id, context);
        if (r == null) {
            throw new XmlRpcException(Faults.UNKNOWN_JOB, unknownReason(id));
        }
        return r.toWire(true);
    }

    private Map<String, Object> statusMany(List<String> ids, CallContext context) throws XmlRpcException {
        if (ids.size() > limits.statusManyLimit()) {
            throw bad(JobProtocol.STATUS_MANY + ": " + ids.size() + " ids; at most " + limits.statusManyLimit()
                    + " per call (jobs.status_many_limit)");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String id : ids) {
            if (!Ids.isValid(id)) {
                out.put(id, JobRecord.unknownToWire(id, "malformed job id '" + id + "'"));
                continue;
            }
            JobRecord r = read(id, context);
            out.put(id, r != null ? r.toWire(true) : JobRecord.unknownToWire(id, unknownReason(id)));
        }
        return out;
    }

    private Object[] list(String after, CallContext context) {
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
    private Map<String, Object> await(String id, double seconds, CallContext context) throws XmlRpcException {
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
    private Map<String, Object> cancel(String id, CallContext context) throws XmlRpcException {
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

    private static XmlRpcException bad(String message) {
        return new XmlRpcException(Faults.BAD_ARGUMENTS, message);
    }
}
