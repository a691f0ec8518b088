package jfunc.common;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PeriodicTest {
    @Test
    void aTaskKeepsRunningAfterAnErrorOrAnException() throws Exception {
        ScheduledExecutorService timer = Periodic.timer("periodic-test");
        try {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch fiveRuns = new CountDownLatch(5);
            ScheduledFuture<?> f = Periodic.every(timer, "test task", Duration.ofMillis(10), () -> {
                int n = runs.incrementAndGet();
                fiveRuns.countDown();
                switch (n) {
                    case 1 -> throw new OutOfMemoryError("simulated");
                    case 2 -> throw new IllegalStateException("simulated");
                    case 3 -> throw new StackOverflowError();
                    default -> { }
                }
            });
            assertTrue(fiveRuns.await(10, TimeUnit.SECONDS), "runs after the errors: " + runs.get());
            assertFalse(f.isDone(), "the task was cancelled");
        } finally {
            timer.shutdownNow();
        }
    }
}
