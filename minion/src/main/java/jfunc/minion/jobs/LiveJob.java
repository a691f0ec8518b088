package jfunc.minion.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import jfunc.common.job.JobRecord;
import jfunc.minion.CallContext;
import jfunc.minion.JobControl;

/**
 * A job this process accepted and has not yet seen durably ended. Guarded by its own monitor
 * (a leaf lock: nothing else is taken while holding it, and never while blocking).
 * {@code done} completes with the terminal record once that record is durable; waiters block on
 * it without any lock.
 */
final class LiveJob implements JobControl {
    final String id;
    final String module;
    final List<Object> args;
    final CallContext context;
    final CompletableFuture<JobRecord> done = new CompletableFuture<>();

    /** What status queries see: the last non-terminal record until the terminal one is durable. */
    private JobRecord visible;
    /** The newest record, terminal as soon as the job ended (maybe not yet durable). */
    private JobRecord latest;
    private Thread worker;
    private boolean stopped;
    private final List<Process> processes = new ArrayList<>();
    /** Takes the job out of its pool's queue if it has not started (set when it is queued). */
    private Runnable unqueue;
    /** The watchdog's timeout while the job runs; guarded by {@link #watch}. */
    private Future<?> timeout;
    private long enteredNanos;
    private boolean inside;
    private final Object watch = new Object();

    LiveJob(JobRecord queued, String module, List<Object> args, CallContext context) {
        this.id = queued.id();
        this.module = module;
        this.args = args;
        this.context = context;
        this.visible = queued;
        this.latest = queued;
    }

    @Override
    public String jobId() {
        return id;
    }

    synchronized JobRecord visible() {
        return visible;
    }

    synchronized JobRecord latest() {
        return latest;
    }

    /** Applies a transition unless the job already ended; returns false when it had. */
    synchronized boolean advance(JobRecord next) {
        if (latest.state().isTerminal()) {
            return false;
        }
        latest = next;
        if (!next.state().isTerminal()) {
            visible = next;
        }
        return true;
    }

    synchronized void enter(Thread t) {
        worker = t;
        synchronized (watch) {
            enteredNanos = System.nanoTime();
            inside = true;
        }
    }

    synchronized void leave() {
        worker = null;
    }

    /**
     * Schedules (again) this running job's timeout {@code max} after it entered its call, replacing
     * an earlier one; {@code schedule} gets the nanoseconds left (0 when already past).
     */
    void arm(java.util.function.LongFunction<Future<?>> schedule, java.time.Duration max) {
        synchronized (watch) {
            if (!inside) {
                return;
            }
            if (timeout != null) {
                timeout.cancel(false);
            }
            long left = Math.max(0, max.toNanos() - (System.nanoTime() - enteredNanos));
            timeout = schedule.apply(left);
        }
    }

    /** The call returned: no timeout any more. */
    void disarm() {
        synchronized (watch) {
            inside = false;
            if (timeout != null) {
                timeout.cancel(false);
                timeout = null;
            }
        }
    }

    @Override
    public void track(Process process) {
        boolean killNow;
        synchronized (this) {
            killNow = stopped;
            if (!killNow) {
                processes.add(process);
            }
        }
        if (killNow) {
            jfunc.minion.ProcessTrees.kill(process.toHandle());
        }
    }

    @Override
    public synchronized boolean isStopped() {
        return stopped;
    }

    synchronized void onUnqueue(Runnable action) {
        unqueue = action;
    }

    /** Stops the job, and if it is still waiting in its pool's queue, takes it out of the queue. */
    void cancel() {
        Runnable out;
        synchronized (this) {
            out = unqueue;
            unqueue = null;
        }
        if (out != null) {
            out.run();
        }
        stop();
    }

    /** Stops the job: kills its process trees, interrupts its thread if it is still inside the call. */
    void stop() {
        List<Process> toKill;
        synchronized (this) {
            stopped = true;
            toKill = new ArrayList<>(processes);
            processes.clear();
            // under the lock that leave() takes: the interrupt reaches the thread while it is still
            // inside this job's call (it clears it after leave()), never the next job it runs
            if (worker != null) {
                worker.interrupt();
            }
        }
        for (Process p : toKill) {
            jfunc.minion.ProcessTrees.kill(p.toHandle());
        }
    }
}
