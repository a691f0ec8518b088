package jfunc.minion.jobs;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import jfunc.common.Faults;
import jfunc.common.WireValues;
import jfunc.common.job.CancelReply;
import jfunc.common.job.JobRecord;
import jfunc.common.job.RecordBytes;
import jfunc.minion.CallContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one funnel for job state: every transition goes through {@link #update}, which applies it
 * under the job's own lock, writes the record to the status file, and, for a terminal state,
 * wakes the job's waiters once that record is durable. There is no global lock: readers and
 * writers of different jobs never wait for each other, and waiters hold no lock at all.
 *
 * <p>Visibility rule: a terminal state (FINISHED, FAILED, LOST) is shown to callers only after
 * it is committed, so a state a caller has seen survives {@code kill -9}. Until then the job
 * still shows its previous (RUNNING) record.
 */
final class JobLedger {
    private static final Logger log = LoggerFactory.getLogger(JobLedger.class);

    private final StatusFile store;
    private final Clock clock;
    private final long maxResultBytes;
    private final ConcurrentHashMap<String, LiveJob> live = new ConcurrentHashMap<>();

    JobLedger(StatusFile store, Clock clock, long maxResultBytes) {
        this.store = store;
        this.clock = clock;
        this.maxResultBytes = maxResultBytes;
    }

    StatusFile store() {
        return store;
    }

    /** A new job in memory, or the id of the earlier job that had the same request_id. */
    record Admission(LiveJob job, String earlierId) {}

    /**
     * Records a new QUEUED job and its request_id (durable together at the next commit) and
     * tracks it in memory; if the request_id was submitted before, records nothing.
     */
    Admission admit(JobRecord queued, String module, List<Object> args, CallContext context) {
        String earlier = store.putNew(queued);
        if (earlier != null) {
            return new Admission(null, earlier);
        }
        LiveJob job = new LiveJob(queued, module, args, context);
        live.put(job.id, job);
        return new Admission(job, null);
    }

    /** Applies {@code change} unless the job already ended; returns whether it applied. */
    boolean update(LiveJob job, UnaryOperator<JobRecord> change) {
        JobRecord next;
        synchronized (job) {
            JobRecord current = job.latest();
            if (current.state().isTerminal()) {
                return false;
            }
            next = change.apply(current);
            job.advance(next);
            store.put(next); // under the job's lock so that one job's records reach the file in order
        }
        if (next.state().isTerminal()) {
            JobRecord terminal = next;
            store.durable().whenComplete((ok, failed) -> {
                if (failed != null) {
                    log.error("job {} ended {} but the status file commit failed: {}", job.id, terminal.state(),
                            failed.toString());
                }
                // out of the live set first: a waiter woken by done that asks again must read the
                // terminal record from the store, not the live job's last non-terminal one
                live.remove(job.id, job);
                job.done.complete(terminal);
            });
        }
        return true;
    }

    boolean running(LiveJob job) {
        long now = clock.millis();
        return update(job, r -> r.running(now));
    }

    /** Ends the job FINISHED with {@code value} in wire form, or FAILED when it is too large to keep. */
    boolean finish(LiveJob job, Object value) {
        Object wire = WireValues.toWire(value);
        long size = RecordBytes.sizeOf(wire);
        if (size > maxResultBytes) {
            return fail(job, Faults.MODULE_ERROR, "the call finished but its result of " + size
                    + " bytes exceeds jobs.max_result_bytes (" + maxResultBytes + "); the result was not kept");
        }
        long now = clock.millis();
        return update(job, r -> r.finished(wire, now));
    }

    boolean fail(LiveJob job, int code, String text) {
        long now = clock.millis();
        return update(job, r -> r.failed(code, text, now));
    }

    boolean lose(LiveJob job, String reason) {
        long now = clock.millis();
        return update(job, r -> r.lost(reason, now));
    }

    /**
     * jobs.cancel: a queued or running job ends CANCELLED by {@code by} (a certificate name), then
     * leaves its queue or has its process trees killed and its thread interrupted. Returns once the
     * job's terminal record is durable (at most {@code timeout}): what {@code jobs.cancel} answers.
     * A job that had already ended is left as it is; null for an id the store does not have.
     */
    CancelReply cancel(String id, String by, Duration timeout) throws InterruptedException, TimeoutException {
        LiveJob job = live.get(id);
        if (job == null) {
            JobRecord r = store.get(id);
            return r == null ? null : CancelReply.of(r, false);
        }
        long now = clock.millis();
        boolean cancelled = update(job, r -> r.cancelled(by, now));
        if (cancelled) {
            log.info("job {} ({}) cancelled by {}", id, job.latest().method(), by);
            job.cancel(); // marked first: whatever the killed call returns now changes nothing
        }
        try {
            return CancelReply.of(job.done.get(timeout.toMillis(), TimeUnit.MILLISECONDS), cancelled);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // done never completes exceptionally
        }
    }

    /** What callers may see of a job this process is running, or null when it is not live. */
    JobRecord liveView(String id) {
        LiveJob job = live.get(id);
        return job == null ? null : job.visible();
    }

    /** The record callers may see now, or null for an id this store does not have. */
    JobRecord view(String id) {
        LiveJob job = live.get(id);
        return job != null ? job.visible() : store.get(id);
    }

    /**
     * Blocks (without any lock) until the job's terminal record is durable or {@code timeout}
     * passed; returns the record callers may see then, or null for an unknown id.
     */
    JobRecord await(String id, Duration timeout) throws InterruptedException {
        LiveJob job = live.get(id);
        if (job == null) {
            return store.get(id);
        }
        try {
            return job.done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return job.visible();
        } catch (ExecutionException e) {
            return view(id); // never completed exceptionally; answer what is there
        }
    }

    /** Marks every job still in memory LOST and stops it (minion shutting down). */
    void loseAll(String reason) {
        for (LiveJob job : live.values()) {
            if (lose(job, reason)) {
                job.stop();
            }
        }
    }

    int liveCount() {
        return live.size();
    }
}
