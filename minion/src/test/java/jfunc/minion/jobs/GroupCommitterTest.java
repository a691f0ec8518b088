package jfunc.minion.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Group commit: many writers share a commit; a waiter is released only by a commit that holds its change. */
class GroupCommitterTest {
    @Test
    void manyConcurrentWritersShareFewCommits() throws Exception {
        AtomicInteger commits = new AtomicInteger();
        AtomicInteger committedWrites = new AtomicInteger();
        AtomicInteger writes = new AtomicInteger();
        try (GroupCommitter c = new GroupCommitter("test-commit", () -> {
            commits.incrementAndGet();
            committedWrites.set(writes.get()); // what a commit holds: every write made before it
        }, Duration.ofMillis(50))) {
            List<CompletableFuture<Void>> writers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                writers.add(CompletableFuture.runAsync(() -> {
                    int mine = writes.incrementAndGet();
                    c.changed();
                    c.nextCommit().join();
                    assertTrue(committedWrites.get() >= mine, "released by a commit that holds the write");
                }));
            }
            CompletableFuture.allOf(writers.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
            assertTrue(commits.get() < 50, commits.get() + " commits for 200 durable writes");
            // a waiter with nothing new to commit is released without a commit
            int before = commits.get();
            c.nextCommit().get(10, TimeUnit.SECONDS);
            assertEquals(before, commits.get());
        }
    }

    @Test
    void whileCommitsFailWaitersGetTheFailure() {
        try (GroupCommitter c = new GroupCommitter("test-commit", () -> {
            throw new IllegalStateException("disk full");
        }, Duration.ofMillis(10))) {
            c.changed();
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.nextCommit().get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("disk full"));
        }
    }

    @Test
    void aFailedCommitIsRetried() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (GroupCommitter c = new GroupCommitter("test-commit", () -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("disk full");
            }
        }, Duration.ofMillis(10))) {
            c.changed();
            for (int i = 0; i < 5 && attempts.get() < 2; i++) {
                try {
                    c.nextCommit().get(10, TimeUnit.SECONDS);
                } catch (ExecutionException failedOnce) {
                    // the first attempt; the change stays pending and is committed next time
                }
            }
            assertEquals(2, attempts.get());
        }
    }
}
