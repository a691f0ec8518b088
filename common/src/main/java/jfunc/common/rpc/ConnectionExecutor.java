package jfunc.common.rpc;

import static jfunc.common.rpc.Closeables.closeQuietly;

import java.io.Closeable;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The server's connection threads: one per connection being served, reusing idle threads and
 * creating new ones (up to {@code max}) only when all are busy, so connection churn does not
 * grow the pool. Beyond {@code max} tasks wait in an overflow queue that every thread drains
 * when its task is done (never rejected: that would drop a connection unanswered); a task
 * dropped at shutdown closes its connection.
 */
final class ConnectionExecutor {
    private record Task(Runnable run, Closeable connection) {}

    private final ThreadPoolExecutor pool;
    private final Queue<Task> overflow = new ConcurrentLinkedQueue<>();

    ConnectionExecutor(int max, ThreadFactory threads) {
        pool = new ThreadPoolExecutor(0, max, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
    }

    /** Runs {@code task} for {@code connection}, which is closed if the task is dropped at shutdown. */
    void execute(Runnable task, Closeable connection) {
        try {
            pool.execute(() -> {
                task.run();
                drain();
            });
        } catch (RejectedExecutionException busy) {
            if (pool.isShutdown()) {
                closeQuietly(connection);
                return;
            }
            overflow.add(new Task(task, connection));
            kick(); // a thread may have become idle meanwhile
        }
    }

    /**
     * Starts a thread to drain the overflow queue if one can start. Called again about once a
     * second: a thread that finished draining just as every other thread refused a task would
     * otherwise leave that task waiting for the next task to end.
     */
    void kick() {
        if (overflow.isEmpty()) {
            return;
        }
        try {
            pool.execute(this::drain);
        } catch (RejectedExecutionException stillBusy) {
            // every thread is busy and drains the queue when done
        }
    }

    private void drain() {
        Task next;
        while ((next = overflow.poll()) != null) {
            next.run().run();
        }
    }

    void shutdown() {
        pool.shutdown();
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return pool.awaitTermination(timeout, unit);
    }

    void shutdownNow() {
        pool.shutdownNow();
        Task dropped;
        while ((dropped = overflow.poll()) != null) {
            closeQuietly(dropped.connection());
        }
    }
}
