package jfunc.minion.jobs;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import jfunc.common.Faults;
import jfunc.common.Ids;
import jfunc.common.job.JobProtocol;
import jfunc.common.job.JobRecord;
import jfunc.minion.CallContext;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Accepting a job: validate at once, reserve a place in the module's pool, record it QUEUED,
 * wait until that record (and the request_id claim) is durable, only then start it and answer
 * the id. So a crash can never lose an acknowledged job (it is LOST after restart) and a job
 * never runs without a durable record (a re-sent jobs.submit finds its request_id).
 *
 * <p>Inside a {@link #batch} (a system.multicall) submissions only record; the batch waits for
 * one commit at its end and then starts them all, so a thousand submissions share one fsync.
 */
final class Submissions {
    static final Duration DURABLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern METHOD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+");
    private static final ThreadLocal<Batch> BATCH = new ThreadLocal<>();

    private record Pending(JobRunner.Ticket ticket, LiveJob job) {}

    /** The submissions of one multicall: jobs to start, and whether anything waits for the commit. */
    private static final class Batch {
        final List<Pending> starts = new ArrayList<>();
        boolean mustCommit;
    }

    private final JobLedger ledger;
    private final JobRunner runner;
    private final Clock clock;

    Submissions(JobLedger ledger, JobRunner runner, Clock clock) {
        this.ledger = ledger;
        this.runner = runner;
        this.clock = clock;
    }

    /**
     * The one check of a job's target, before anything waits or is recorded: {@code method} must
     * be module.method and not a job method, the caller allowed to call {@code async.METHOD}
     * (however the job is submitted), and the call valid for the module.
     */
    static void check(CallRunner calls, String method, List<Object> args, CallContext context) throws XmlRpcException {
        moduleOf(method);
        context.checkAllowed(JobProtocol.ASYNC_PREFIX + method);
        calls.validate(method, args);
    }

    /**
     * Accepts {@code method(args)}, already {@link #check checked}, as a job; {@code requestId}
     * null for async. calls. Returns the job id.
     */
    String submit(String method, List<Object> args, String requestId, CallContext context) throws XmlRpcException {
        String module = method.substring(0, method.lastIndexOf('.'));
        if (requestId != null) {
            String earlier = ledger.store().jobOfRequest(JobRecord.claimKey(context.caller(), requestId));
            if (earlier == null && JobMethods.seesAllJobs(context)) {
                earlier = ledger.store().jobOfRequest(JobRecord.claimKey(null, requestId)); // a format 1 claim
            }
            if (earlier != null) {
                return repeated(earlier);
            }
        }
        JobRunner.Ticket ticket = runner.reserve(module);
        String id = Ids.next();
        JobRecord queued = JobRecord.queued(id, method, ArgsSummary.of(args), clock.millis(), requestId,
                context.caller());
        JobLedger.Admission admitted = ledger.admit(queued, module, List.copyOf(args), context);
        if (admitted.job() == null) {
            ticket.release();
            return repeated(admitted.earlierId());
        }
        Batch batch = BATCH.get();
        if (batch != null) {
            batch.starts.add(new Pending(ticket, admitted.job()));
            return id;
        }
        startWhenDurable(List.of(new Pending(ticket, admitted.job())));
        return id;
    }

    /** Runs {@code body} as one batch of submissions (nested batches join the outer one). */
    <T> T batch(Jobs.XmlRpcCallable<T> body) throws XmlRpcException {
        if (BATCH.get() != null) {
            return body.call();
        }
        Batch batch = new Batch();
        BATCH.set(batch);
        T result;
        try {
            result = body.call();
        } finally {
            BATCH.remove();
            // Jobs recorded before a failure are real: commit and start them either way.
            if (!batch.starts.isEmpty()) {
                startWhenDurable(batch.starts);
            } else if (batch.mustCommit) {
                awaitDurable();
            }
        }
        return result;
    }

    /**
     * A repeated request_id: the first job's id, once its record is durable (the first
     * submission may still be waiting for its commit); nothing runs.
     */
    private String repeated(String jobId) throws XmlRpcException {
        Batch batch = BATCH.get();
        if (batch != null) {
            batch.mustCommit = true;
        } else {
            awaitDurable();
        }
        return jobId;
    }

    private void startWhenDurable(List<Pending> accepted) throws XmlRpcException {
        try {
            awaitDurable();
        } catch (XmlRpcException e) {
            for (Pending p : accepted) {
                ledger.fail(p.job(), Faults.UNAVAILABLE, "not started: " + e.getMessage());
                p.ticket().release();
            }
            throw e;
        }
        for (Pending p : accepted) {
            runner.start(p.ticket(), p.job());
        }
    }

    private void awaitDurable() throws XmlRpcException {
        try {
            ledger.store().durable().get(DURABLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new XmlRpcException(Faults.UNAVAILABLE, "interrupted while recording the job");
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new XmlRpcException(Faults.UNAVAILABLE, "the status file could not record the job: " + cause);
        }
    }

    /** "command.run" → "command"; faults for names that are not module.method or cannot be jobs. */
    static String moduleOf(String method) throws XmlRpcException {
        if (method == null || method.length() > 200 || !METHOD.matcher(method).matches()) {
            throw new XmlRpcException(Faults.UNKNOWN_METHOD,
                    "unknown method '" + method + "' (methods are named module.method)");
        }
        if (JobProtocol.isJobMethod(method) || method.equals("system.multicall")) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + " cannot run as a job");
        }
        return method.substring(0, method.lastIndexOf('.'));
    }
}
