package jfunc.minion.jobs;

import jfunc.minion.Minion;
import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jfunc.common.Faults;
import jfunc.common.testing.TestPki;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status file opens at start, off the request path: the first jobs call finds it ready (or
 * waits for it, bounded), and a status file that cannot be opened makes jobs calls fault 109.
 */
class JobsAtStartTest {
    @TempDir
    Path dir;

    @Test
    void theStatusFileIsOpenBeforeTheFirstJobsCall() throws Exception {
        TestPki pki = new TestPki();
        try (TestMinion minion = JobTestModules.minion(pki, dir, Map.of(), List.of())) {
            assertTrue(minion.jobs.awaitReady(Duration.ofSeconds(30)));
            assertTrue(Files.exists(minion.statusFile), "status file opened at start, before any jobs call");
            String id = (String) minion.call("async.test.ping");
            assertEquals("FINISHED", minion.record("jobs.wait", id, 30).get("state"));
        }
    }

    @Test
    void aStatusFileInUseMakesJobsCallsUnavailableAndLeavesOtherCallsAlone() throws Exception {
        TestPki pki = new TestPki();
        String id;
        try (TestMinion first = JobTestModules.minion(pki, dir, Map.of(), List.of())) {
            id = (String) first.call("async.test.ping");
            assertEquals("FINISHED", first.record("jobs.wait", id, 30).get("state"));
            try (TestMinion second = JobTestModules.minion(pki, dir, Map.of(), List.of())) {
                assertFalse(second.jobs.awaitReady(Duration.ofSeconds(30)));
                XmlRpcException e = assertThrows(XmlRpcException.class, () -> second.call("jobs.status", id));
                assertEquals(Faults.UNAVAILABLE, e.code);
                assertTrue(e.getMessage().contains("in use"), e.getMessage());
                assertEquals(true, second.call("test.ping"));
            }
            assertEquals("FINISHED", first.record("jobs.status", id).get("state"), "the first one is untouched");
        }
    }

    @Test
    void aFirstMulticallOfSubmissionsSharesOneCommitLikeAnyOther() throws Exception {
        // With a 2 s group commit, 20 submissions that each waited for a commit of their own
        // would take 40 s; sharing the batch's one commit they take about 2 s.
        TestPki pki = new TestPki();
        try (TestMinion minion = JobTestModules.minion(pki, dir, Map.of("jobs.commit_interval", "2s"), List.of())) {
            Object[] batch = new Object[20];
            java.util.Arrays.fill(batch, Map.of("methodName", "async.test.ping", "params", new Object[0]));
            long start = System.nanoTime();
            Object[] results = (Object[]) minion.call("system.multicall", (Object) batch);
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertEquals(20, results.length);
            for (Object r : results) {
                assertTrue(r instanceof Object[] ok && ok[0] instanceof String, "not a job id: " + r);
            }
            assertTrue(seconds < 20, "the first batch took " + seconds + " s: one commit per submission");
        }
    }

    /** A real status file whose open waits for {@code gate}, as a slow disk or a long recovery would. */
    private static StatusFile.Maker slowOpen(CountDownLatch gate) {
        return file -> {
            try {
                gate.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return StatusFile.make(file);
        };
    }

    @Test
    void aJobsCallThatArrivesWhileTheStatusFileOpensWaitsForItAndOtherCallsDoNot() throws Exception {
        TestPki pki = new TestPki();
        CountDownLatch gate = new CountDownLatch(1);
        try (TestMinion minion = JobTestModules.minion(pki, dir, Map.of(), List.of(), slowOpen(gate), Duration.ofSeconds(30))) {
            try {
                assertEquals(true, minion.call("test.ping"), "plain calls answer while the status file opens");
                CompletableFuture<Object> submitted = CompletableFuture.supplyAsync(() -> {
                    try {
                        return minion.call("async.test.ping");
                    } catch (XmlRpcException e) {
                        throw new CompletionException(e);
                    }
                });
                Thread.sleep(500);
                assertFalse(submitted.isDone(), "the submission waits for the status file: " + submitted);
                // a bad target is refused at once: waiting would end in 109 after 30 s, not in these
                assertEquals(Faults.UNKNOWN_METHOD, assertThrows(XmlRpcException.class,
                        () -> minion.call("async.nope.run")).code);
                assertEquals(Faults.BAD_ARGUMENTS, assertThrows(XmlRpcException.class,
                        () -> minion.call("jobs.submit", "r1", "test.add", new Object[] {1})).code);
                assertFalse(submitted.isDone(), "still waiting: " + submitted);
                gate.countDown();
                String id = (String) submitted.get(30, TimeUnit.SECONDS);
                assertEquals("FINISHED", minion.record("jobs.wait", id, 30).get("state"));
            } finally {
                gate.countDown();
            }
        }
    }

    @Test
    void aJobsCallWaitsForTheStatusFileOnlyUpToTheBoundThenIsToldToRetry() throws Exception {
        TestPki pki = new TestPki();
        CountDownLatch gate = new CountDownLatch(1);
        try (TestMinion minion = JobTestModules.minion(pki, dir, Map.of(), List.of(), slowOpen(gate), Duration.ofSeconds(1))) {
            try {
                XmlRpcException e = assertThrows(XmlRpcException.class, () -> minion.call("jobs.list"));
                assertEquals(Faults.UNAVAILABLE, e.code);
                assertTrue(e.getMessage().contains("is still opening after 1s; retry"), e.getMessage());
                assertEquals(true, minion.call("test.ping"));
                assertEquals(Minion.State.STARTING, minion.minion.state());
                gate.countDown();
                assertTrue(minion.jobs.awaitReady(Duration.ofSeconds(30)));
                assertEquals(Minion.State.SERVING, minion.minion.state());
                assertEquals(0, ((Object[]) minion.call("jobs.list")).length, "once open, the same call answers");
            } finally {
                gate.countDown();
            }
            minion.minion.stop(Duration.ofSeconds(1));
            assertEquals(Minion.State.STOPPED, minion.minion.state());
        }
    }
}
