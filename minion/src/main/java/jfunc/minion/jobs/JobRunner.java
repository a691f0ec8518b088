package jfunc.minion.jobs;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
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
import jfunc.minion.Telemetry;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs off the RPC threads, bounded per module (Driveshaft's pools): each module has a pool
 * of its own with {@link PoolConfig#workers} threads and admits at most {@code jobs.max_queued}
 * more jobs waiting; a watchdog fails a job that runs longer than its pool's
 * {@link PoolConfig#maxRunningTime} with a TIMEOUT fault, kills its tracked process trees and
 * interrupts its thread. A timed-out job keeps its pool slot until its thread really returns, so
 * the concurrency bound holds even for calls that ignore interrupts. {@link #reconfigure} applies
 * new pool settings (SIGHUP) without touching running jobs: a shrunk pool lets them run on (new
 * jobs start only once the pool is below its new size), each within the new maximum running time
 * counted from its start; one already past it is stopped at once and FAILED.
 */
final class JobRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final JobLedger ledger;
    private final CallRunner calls;
    private volatile PoolConfig config;
    private final ConcurrentHashMap<String, Pool> pools = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor watchdog;
    private final Telemetry telemetry;

    JobRunner(JobLedger ledger, CallRunner calls, PoolConfig config, Telemetry telemetry) {
        this.telemetry = telemetry;
        this.ledger = ledger;
        this.calls = calls;
        this.config = config;
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

    /** One module's pool. Its size and limits change on {@link #reconfigure}; running jobs stay. */
    static final class Pool {
        final String module;
        private volatile int workers;
        private volatile int maxQueued;
        private volatile Duration maxRunningTime;
        final AtomicInteger admitted = new AtomicInteger();
        final Set<LiveJob> running = ConcurrentHashMap.newKeySet();
        final ThreadPoolExecutor executor;

        Pool(String module, PoolConfig c) {
            this.module = module;
            this.executor = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    daemon("job-" + module));
            executor.allowCoreThreadTimeOut(true); // an idle module holds no threads
            apply(c);
        }

        /** New size and limits; the executor keeps running tasks and lets surplus threads end when idle. */
        synchronized void apply(PoolConfig c) {
            int n = c.workers(module);
            if (n > executor.getMaximumPoolSize()) {
                executor.setMaximumPoolSize(n);
                executor.setCorePoolSize(n); // starts threads for queued jobs at once
            } else if (n < executor.getMaximumPoolSize()) {
                executor.setCorePoolSize(n);
                executor.setMaximumPoolSize(n);
            }
            workers = n;
            maxQueued = c.maxQueued();
            maxRunningTime = c.maxRunningTime(module);
        }

        int workers() {
            return workers;
        }

        /** Jobs running now (may exceed {@link #workers} for a while after a shrink). */
        int busy() {
            return running.size();
        }

        /** Jobs accepted and waiting for a worker. */
        int queued() {
            return executor.getQueue().size();
        }

        Duration maxRunningTime() {
            return maxRunningTime;
        }
    }

    /** Reserves a place for a job of {@code module}; fault UNAVAILABLE when its queue is full. */
    Ticket reserve(String module) throws XmlRpcException {
        Pool pool = pools.computeIfAbsent(module, m -> new Pool(m, config));
        int n = pool.admitted.incrementAndGet();
        int workers = pool.workers;
        int limit = workers + pool.maxQueued;
        if (n > limit) {
            pool.admitted.decrementAndGet();
            throw new XmlRpcException(Faults.UNAVAILABLE, "module " + module + " has " + workers
                    + " jobs running and " + pool.maxQueued
                    + " queued (jobs.max_concurrent, jobs.max_queued); retry later");
        }
        return new Ticket(pool);
    }

    /** The pools made so far (one per module that ran a job), by module. */
    Map<String, Pool> pools() {
        return Map.copyOf(pools);
    }

    /**
     * Applies new pool settings to every pool, now and for pools made later: sizes, queue limits,
     * and the maximum running time of jobs running now (counted from their start).
     */
    void reconfigure(PoolConfig next) {
        config = next;
        for (Pool p : pools.values()) {
            p.apply(next);
            for (LiveJob job : p.running) {
                arm(job, p);
            }
        }
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
        Pool pool = pools.get(job.module);
        long started = System.nanoTime();
        job.enter(Thread.currentThread());
        pool.running.add(job);
        arm(job, pool);
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
            pool.running.remove(job);
            job.disarm();
            Thread.interrupted(); // never carry an interrupt into the status file's I/O
        }
        if (faultCode == 0) {
            ledger.finish(job, value);
        } else {
            ledger.fail(job, faultCode, faultText);
        }
        JobRecord end = job.latest();
        telemetry.job(job.module, record.method(), (System.nanoTime() - started) / 1e9, end.state(), end.faultCode());
    }

    /** (Re)schedules the job's timeout at its pool's maximum running time from its start. */
    private void arm(LiveJob job, Pool pool) {
        Duration max = pool.maxRunningTime();
        String setting = config.maxRunningTimeKey(job.module);
        job.arm(left -> watchdog.schedule(() -> timeOut(job, max, setting), left, TimeUnit.NANOSECONDS), max);
    }

    private void timeOut(LiveJob job, Duration max, String setting) {
        if (ledger.fail(job, Faults.TIMEOUT, "the job ran longer than " + setting + " (" + human(max)
                + ") and was stopped")) {
            log.warn("job {} exceeded {} ({}); killing its processes and interrupting it", job.id, setting, human(max));
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
