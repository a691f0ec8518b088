package jfunc.minion.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jfunc.common.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status file opens on the first jobs call (an idle minion does not load MapDB), and an
 * existing one is still locked from start: a second minion on the same state dir stops at start.
 */
class JobsOnDemandTest {
    @TempDir
    Path dir;

    @Test
    void aMinionNotAskedForJobsHasNoStatusFileUntilTheFirstJobsCall() throws Exception {
        TestPki pki = new TestPki();
        try (JobsMinion minion = new JobsMinion(pki, dir, Map.of(), List.of())) {
            assertEquals(true, minion.call("test.ping"));
            Object[] batch = {Map.of("methodName", "test.ping", "params", new Object[0])};
            assertEquals(1, ((Object[]) minion.call("system.multicall", (Object) batch)).length);
            assertFalse(Files.exists(minion.statusFile), "status file created before any jobs call");

            String id = (String) minion.call("async.test.ping");
            assertTrue(Files.exists(minion.statusFile));
            assertEquals("FINISHED", minion.record("jobs.wait", id, 30).get("state"));
        }
    }

    @Test
    void anExistingStatusFileIsLockedFromStartUntilItIsOpened() throws Exception {
        TestPki pki = new TestPki();
        String id;
        try (JobsMinion first = new JobsMinion(pki, dir, Map.of(), List.of())) {
            id = (String) first.call("async.test.ping");
            assertEquals("FINISHED", first.record("jobs.wait", id, 30).get("state"));
        }
        try (JobsMinion idle = new JobsMinion(pki, dir, Map.of(), List.of())) {
            StatusFile.StatusFileException e = assertThrows(StatusFile.StatusFileException.class,
                    () -> new JobsMinion(pki, dir, Map.of(), List.of()));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());

            // the first jobs call takes the file over from the start-up lock and sees the old job
            assertEquals("FINISHED", idle.record("jobs.status", id).get("state"));
            assertThrows(StatusFile.StatusFileException.class, () -> new JobsMinion(pki, dir, Map.of(), List.of()));
        }
    }

    @Test
    void aFirstMulticallOfSubmissionsSharesOneCommitLikeAnyOther() throws Exception {
        // With a 2 s group commit, 20 submissions that each waited for a commit of their own
        // would take 40 s; sharing the batch's one commit they take about 2 s.
        TestPki pki = new TestPki();
        try (JobsMinion minion = new JobsMinion(pki, dir, Map.of("jobs.commit_interval", "2s"), List.of())) {
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
}
