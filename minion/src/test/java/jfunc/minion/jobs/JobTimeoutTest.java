package jfunc.minion.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jfunc.common.Faults;
import jfunc.common.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** job_max_runtime: the job fails with TIMEOUT and its real OS process tree is killed; shutdown loses jobs. */
class JobTimeoutTest {
    @TempDir
    Path dir;

    @Test
    void aJobOverTheMaximumRunningTimeFailsAndItsProcessTreeIsKilled() throws Exception {
        TestCalls calls = new TestCalls();
        try (JobsServer minion = new JobsServer(new TestPki(), dir.resolve("status.db"), calls,
                Map.of("job_max_runtime", "1s"))) {
            String id = (String) minion.call("async.proc.sleep", 600);
            Process shell = calls.shells.poll(30, TimeUnit.SECONDS);
            List<ProcessHandle> tree = new ArrayList<>();
            for (int i = 0; i < 500 && tree.size() < 2; i++) {
                Thread.sleep(10); // until the shell has started both sleeps
                tree = shell.toHandle().descendants().toList();
            }
            assertEquals(2, tree.size(), "sh started two sleep processes");
            Map<String, Object> r = minion.record("jobs.wait", id, 60);
            assertEquals("FAILED", r.get("state"));
            assertEquals(Faults.TIMEOUT, r.get("fault_code"));
            assertTrue(((String) r.get("fault_string")).contains("job_max_runtime"), r.toString());
            assertTrue(shell.waitFor(10, TimeUnit.SECONDS), "the shell was killed");
            for (ProcessHandle p : tree) {
                assertTrue(isDead(p.pid()), "sleep " + p.pid() + " was killed");
            }
        }
    }

    @Test
    void stoppingTheMinionMarksRunningJobsLostAndKillsThem() throws Exception {
        TestCalls calls = new TestCalls();
        TestPki pki = new TestPki();
        Path file = dir.resolve("status.db");
        String running;
        String queued;
        Process shell;
        try (JobsServer minion = new JobsServer(pki, file, calls, Map.of("jobs.max_concurrent.gate", "1"))) {
            calls.gateEntered = new CountDownLatch(1);
            running = (String) minion.call("async.gate.pass");
            queued = (String) minion.call("async.gate.pass");
            assertTrue(calls.gateEntered.await(30, TimeUnit.SECONDS));
            minion.call("async.proc.sleep", 600);
            shell = calls.shells.poll(30, TimeUnit.SECONDS);
        }
        assertTrue(shell.waitFor(10, TimeUnit.SECONDS), "the job's process was killed at shutdown");
        try (JobsServer again = new JobsServer(pki, file, new TestCalls(), Map.of())) {
            Map<String, Object> r = again.record("jobs.status", running);
            assertEquals("LOST", r.get("state"));
            assertTrue(((String) r.get("reason")).contains("minion stopped"), r.toString());
            assertEquals("LOST", again.record("jobs.status", queued).get("state"));
        }
    }

    /** Gone, or a zombie nobody reaped yet (killed all the same). */
    static boolean isDead(long pid) throws Exception {
        for (int i = 0; i < 200; i++) {
            Path stat = Path.of("/proc/" + pid + "/stat");
            if (!Files.exists(stat)) {
                return true;
            }
            try {
                String s = Files.readString(stat);
                if (s.substring(s.lastIndexOf(')') + 2).startsWith("Z")) {
                    return true;
                }
            } catch (java.io.IOException gone) {
                return true;
            }
            Thread.sleep(25);
        }
        return false;
    }
}
