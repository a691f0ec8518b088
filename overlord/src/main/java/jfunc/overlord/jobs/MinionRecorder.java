package jfunc.overlord.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records minion outcomes as they arrive during a fan-out (submissions, long-poll answers), in
 * batches (every {@code batchSize} records or {@code maxDelay}, whichever comes first), so a
 * killed overlord keeps what it had learnt without paying one fsync'd commit per minion.
 * Thread-safe: fan-out workers call {@link #record} concurrently; a failed batch is kept and
 * retried.
 */
public final class MinionRecorder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MinionRecorder.class);

    private final JobStore store;
    private final String jobId;
    private final int batchSize;
    private final ReentrantLock writing = new ReentrantLock();
    private final ScheduledExecutorService timer;
    private List<MinionJob> pending = new ArrayList<>();

    public MinionRecorder(JobStore store, String jobId, int batchSize, Duration maxDelay) {
        this.store = store;
        this.jobId = jobId;
        this.batchSize = batchSize;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "job-recorder");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, maxDelay.toMillis());
        timer.scheduleWithFixedDelay(jfunc.common.Periodic.guarded("recording minions of job " + jobId,
                this::flushQuietly), period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Adds one minion's outcome; never blocks on the store (fan-out listeners must be fast):
     * a full batch is handed to the recorder's own thread.
     */
    public void record(MinionJob minion) {
        boolean full;
        synchronized (this) {
            pending.add(minion);
            full = pending.size() == batchSize;
        }
        if (full) {
            try {
                timer.execute(this::flushQuietly);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // finishing: finish() writes it
            }
        }
    }

    /**
     * Writes what is left; with {@code endSubmission} also ends the fan-out (RUNNING → PARTIAL or
     * FINISHED). Returns the summary as stored.
     */
    public JobSummary finish(boolean endSubmission) {
        // Never interrupt the recorder's thread: an interrupt mid-write closes MapDB's file
        // channel under it and can leave a half-written store. Let a running flush end instead.
        timer.shutdown();
        writing.lock();
        try {
            return flush(endSubmission, true);
        } finally {
            writing.unlock();
        }
    }

    @Override
    public void close() {
        timer.shutdown(); // not shutdownNow: see finish()
    }

    private void flushQuietly() {
        writing.lock();
        try {
            flush(false, false);
        } catch (RuntimeException e) {
            LOG.warn("recording minions of job {} failed (will retry): {}", jobId, e.getMessage());
        } finally {
            writing.unlock();
        }
    }

    private JobSummary flush(boolean done, boolean always) {
        List<MinionJob> batch;
        synchronized (this) {
            batch = pending;
            pending = new ArrayList<>();
        }
        if (batch.isEmpty() && !always) {
            return null;
        }
        try {
            return store.update(jobId, batch, done);
        } catch (RuntimeException e) {
            synchronized (this) {
                batch.addAll(pending);
                pending = batch;
            }
            throw e;
        }
    }
}
