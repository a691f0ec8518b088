package jfunc.common.rpc;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The server's connection threads: one per connection being served, reusing idle threads and
 * creating new ones (up to {@code max}) only when all are busy, so connection churn does not
 * grow the pool. Beyond {@code max} tasks wait in an overflow queue that every thread drains
 * when its task is done (never rejected: that would drop a connection unanswered).
 */
final class ConnectionExecutor implements Executor {
    private final ThreadPoolExecutor pool;
    private final Queue<Runnable> overflow = new ConcurrentLinkedQueue<>();

    ConnectionExecutor(int max, ThreadFactory threads) {
        pool = new ThreadPoolExecutor(0, max, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
    }

    @Override
    public void execute(Runnable task) {
        try {
            pool.execute(() -> {
                task.run();
                drain();
            });
        } catch (RejectedExecutionException busy) {
            if (pool.isShutdown()) {
                throw busy;
            }
            overflow.add(task);
            try {
                pool.execute(this::drain); // a thread may have become idle meanwhile
            } catch (RejectedExecutionException stillBusy) {
                // every thread is busy and drains the queue when done
            }
        }
    }

    private void drain() {
        Runnable next;
        while ((next = overflow.poll()) != null) {
            next.run();
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
        overflow.clear();
    }
}
