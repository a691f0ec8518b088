package jfunc.minion.jobs;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jfunc.common.Faults;
import jfunc.common.job.JobRecord;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs off the RPC threads, bounded per module (Driveshaft's pools): each module has a pool
 * of at most {@code jobs.max_concurrent.MODULE} threads and admits at most
 * {@code jobs.max_queued} more jobs waiting; a watchdog fails a job that runs longer than
 * {@code job_max_runtime} with a TIMEOUT fault, kills its tracked process trees and interrupts
 * its thread. A timed-out job keeps its pool slot until its thread really returns, so the
 * concurrency bound holds even for calls that ignore interrupts.
 */
final class JobRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final JobLedger ledger;
    private final CallRunner calls;
    private final JobLimits limits;
    private final ConcurrentHashMap<String, Pool> pools = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor watchdog;

    JobRunner(JobLedger ledger, CallRunner calls, JobLimits limits) {
        this.ledger = ledger;
        this.calls = calls;
        this.limits = limits;
        this.watchdog = new ScheduledThreadPoolExecutor(1, daemon("job-watchdog"));
        watchdog.setRemoveOnCancelPolicy(true);
    }

    /** A job's claim on a place in its module's pool, taken before the job is recorded. */
    final class Ticket {
        private final Pool pool;
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Ticket(Pool pool) {
            this.pool = pool;
        }

        /** Gives the place back when the job will not be started after all. */
        void release() {
            if (open.compareAndSet(true, false)) {
                pool.admitted.decrementAndGet();
            }
        }
    }

    private static final class Pool {
        final String module;
        final int maxRunning;
        final int limit;
        final AtomicInteger admitted = new AtomicInteger();
        final ThreadPoolExecutor executor;

        Pool(String module, int maxRunning, int maxQueued) {
            this.module = module;
            this.maxRunning = maxRunning;
            this.limit = maxRunning + maxQueued;
            this.executor = new ThreadPoolExecutor(maxRunning, maxRunning, 60, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), daemon("job-" + module));
            executor.allowCoreThreadTimeOut(true); // an idle module holds no threads
        }
    }

    /** Reserves a place for a job of {@code module}; fault UNAVAILABLE when its queue is full. */
    Ticket reserve(String module) throws XmlRpcException {
        Pool pool = pools.computeIfAbsent(module, m -> new Pool(m, limits.maxConcurrent(m), limits.maxQueued()));
        int n = pool.admitted.incrementAndGet();
        if (n > pool.limit) {
            pool.admitted.decrementAndGet();
            throw new XmlRpcException(Faults.UNAVAILABLE, "module " + module + " has " + pool.maxRunning
                    + " jobs running and " + (pool.limit - pool.maxRunning)
                    + " queued (jobs.max_concurrent, jobs.max_queued); retry later");
        }
        return new Ticket(pool);
    }

    /** Starts (or queues) a recorded job on its reserved place. */
    void start(Ticket ticket, LiveJob job) {
        Runnable task = () -> {
            try {
                execute(job);
            } finally {
                ticket.release();
            }
        };
        // a cancelled job that has not started leaves the queue and gives its place back at once
        job.onUnqueue(() -> {
            if (ticket.pool.executor.remove(task)) {
                ticket.release();
            }
        });
        try {
            ticket.pool.executor.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            ticket.release();
            ledger.lose(job, "minion stopped before the job started");
        }
    }

    private void execute(LiveJob job) {
        if (!ledger.running(job)) {
            return; // ended while queued (minion stopping)
        }
        JobRecord record = job.latest();
        job.enter(Thread.currentThread());
        job.timeout = watchdog.schedule(() -> timeOut(job), limits.maxRuntime().toMillis(), TimeUnit.MILLISECONDS);
        LiveJob.CURRENT.set(job);
        Object value = null;
        int faultCode = 0;
        String faultText = null;
        try {
            value = calls.run(record.method(), job.args, job.context, job);
        } catch (XmlRpcException e) {
            faultCode = e.code;
            faultText = e.getMessage();
        } catch (InterruptedException e) {
            faultCode = Faults.MODULE_ERROR;
            faultText = "interrupted";
        } catch (Exception e) {
            faultCode = Faults.MODULE_ERROR;
            faultText = e.getMessage() == null ? e.toString() : e.getMessage();
        } catch (Throwable t) {
            log.error("job {} ({}) failed with an error", job.id, record.method(), t);
            faultCode = Faults.INTERNAL_ERROR;
            faultText = "internal error: " + t;
        } finally {
            job.leave();
            LiveJob.CURRENT.remove();
            job.timeout.cancel(false);
            Thread.interrupted(); // never carry an interrupt into the status file's I/O
        }
        if (faultCode == 0) {
            ledger.finish(job, value);
        } else {
            ledger.fail(job, faultCode, faultText);
        }
    }

    private void timeOut(LiveJob job) {
        Duration max = limits.maxRuntime();
        if (ledger.fail(job, Faults.TIMEOUT, "the job ran longer than job_max_runtime (" + human(max)
                + ") and was stopped")) {
            log.warn("job {} exceeded job_max_runtime ({}); killing its processes and interrupting it", job.id,
                    human(max));
            job.stop();
        }
    }

    static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        for (Pool p : pools.values()) {
            p.executor.shutdownNow();
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
