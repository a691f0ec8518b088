package jfunc.minion.jobs;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that commits the status file. fsync'd commits cost milliseconds each, so
 * changes are committed in groups: at most one commit per {@code interval}, and only when
 * something changed. A change after a quiet period is committed at once (no interval to wait
 * for), so a lone submission is acknowledged after one fsync; under load every change made
 * during an interval shares one commit.
 *
 * <p>Protocol for writers: make the change, then {@link #changed()}, then (if the answer must
 * be durable) wait on {@link #nextCommit()}. The future taken after the change completes only
 * after a commit that includes the change.
 */
final class GroupCommitter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);

    private static final long IDLE_NANOS = 1_000_000_000L;

    private final Runnable commit;
    private final long intervalNanos;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicReference<CompletableFuture<Void>> next = new AtomicReference<>(new CompletableFuture<>());
    private final Thread thread;
    private volatile boolean closing;
    /** Someone waits for a commit (possibly with nothing left to commit). */
    private volatile boolean wanted;
    private long committedChanges;
    private long lastCommitStart = System.nanoTime() - Long.MAX_VALUE / 4;
    /** Hears how long each commit took, in seconds (metrics). */
    private volatile java.util.function.DoubleConsumer timing = s -> { };

    GroupCommitter(String name, Runnable commit, Duration interval) {
        this.commit = commit;
        this.intervalNanos = Math.max(1, interval.toNanos());
        this.thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Marks that the store changed since the last commit. */
    void changed() {
        changes.incrementAndGet();
        LockSupport.unpark(thread);
    }

    /** Completes after the next commit (exceptionally if it fails or the store closes). */
    CompletableFuture<Void> nextCommit() {
        CompletableFuture<Void> f = next.get();
        wanted = true;
        LockSupport.unpark(thread);
        return f;
    }

    private void loop() {
        while (!closing) {
            long wait = lastCommitStart + intervalNanos - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            if (changes.get() == committedChanges && !wanted) {
                LockSupport.parkNanos(this, IDLE_NANOS); // changed() and nextCommit() wake us
                continue;
            }
            commitNow();
        }
    }

    /**
     * Swap the future, then read the change count, then commit (the commit snapshots the notes):
     * a waiter holding the swapped-out future counted its change before it took the future, so
     * the count read after the swap includes it, and the commit (which notes were made before
     * they were counted) holds it. When that count shows nothing new since the last commit, the
     * waiters' changes are already committed and they are released without one. The count must
     * be read after the swap: read before it, a change counted in between was released uncommitted
     * (an acknowledged job unknown after kill -9).
     */
    private void commitNow() {
        wanted = false;
        CompletableFuture<Void> done = next.getAndSet(new CompletableFuture<>());
        long seen = changes.get();
        if (seen == committedChanges) {
            done.complete(null);
            return;
        }
        lastCommitStart = System.nanoTime();
        try {
            commit.run();
            timing.accept((System.nanoTime() - lastCommitStart) / 1e9);
            committedChanges = seen;
            done.complete(null);
        } catch (RuntimeException | Error e) {
            log.error("commit of the status file failed: {}", e.toString(), e);
            done.completeExceptionally(e);
        }
    }

    void onCommit(java.util.function.DoubleConsumer seconds) {
        timing = seconds;
    }

    /** Stops the thread after a last commit of whatever changed. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (changes.get() != committedChanges) {
            commitNow();
        }
        next.getAndSet(new CompletableFuture<>()).completeExceptionally(new IllegalStateException("status file closed"));
    }
}
