package jfunc.common;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic tasks that keep running whatever one run throws. A
 * {@link ScheduledExecutorService} cancels a task for good the first time it throws, and a task
 * that catches only {@code Exception} dies on its first {@code OutOfMemoryError}: that is how a
 * minion once stopped refreshing its CRL. Every periodic task goes through {@link #every}.
 */
public final class Periodic {
    private static final Logger log = LoggerFactory.getLogger(Periodic.class);

    private Periodic() {}

    /** A single daemon thread named {@code threadName} to run periodic tasks on. */
    public static ScheduledExecutorService timer(String threadName) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code task} every {@code period} (fixed delay, first run after one period), guarded. */
    public static ScheduledFuture<?> every(ScheduledExecutorService timer, String what, Duration period, Runnable task) {
        long millis = Math.max(1, period.toMillis());
        return timer.scheduleWithFixedDelay(guarded(what, task), millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * {@code task} with every Throwable caught and logged at ERROR (the stack trace the first time
     * only, the message every time), so that the next run happens.
     */
    public static Runnable guarded(String what, Runnable task) {
        AtomicBoolean traced = new AtomicBoolean();
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                try {
                    if (traced.compareAndSet(false, true)) {
                        log.error("{} failed; it runs again as scheduled", what, t);
                    } else {
                        log.error("{} failed again: {}", what, t.toString());
                    }
                } catch (Throwable ignored) {
                    // even logging failed (out of memory): the task must still run next time
                }
            }
        };
    }
}
