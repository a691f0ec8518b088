package jfunc.minion.jobs;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jfunc.common.Faults;
import jfunc.common.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** job_max_runtime kills a real command.run process tree; stopping the minion loses its jobs. */
class JobTimeoutTest {
    @TempDir
    Path dir;

    @Test
    void aCommandJobOverTheMaximumRunningTimeFailsAndItsProcessTreeIsKilled() throws Exception {
        try (TestMinion minion = JobTestModules.minion(new TestPki(), dir, Map.of("job_max_runtime", "1s"), List.of())) {
            String id = (String) minion.call("async.command.run", "sleep 577 & sleep 577; wait");
            List<ProcessHandle> sleeps = List.of();
            for (int i = 0; i < 500 && sleeps.size() < 2; i++) {
                Thread.sleep(10); // until the shell started both sleeps
                sleeps = ours("577");
            }
            assertEquals(2, sleeps.size(), "the job's shell started two sleep processes");
            Map<String, Object> r = minion.record("jobs.wait", id, 60);
            assertEquals("FAILED", r.get("state"));
            assertEquals(Faults.TIMEOUT, r.get("fault_code"));
            assertTrue(((String) r.get("fault_string")).contains("job_max_runtime"), r.toString());
            for (ProcessHandle p : sleeps) {
                assertTrue(isDead(p.pid()), "sleep " + p.pid() + " was killed");
            }
            assertTrue(ours("577").isEmpty());
            assertEquals(true, minion.call("test.ping"));
        }
    }

    @Test
    void stoppingTheMinionMarksQueuedAndRunningJobsLostAndKillsTheirProcesses() throws Exception {
        TestPki pki = new TestPki();
        JobTestModules.Gate gate = new JobTestModules.Gate();
        String running;
        String queued;
        String command;
        try (TestMinion minion = JobTestModules.minion(pki, dir, Map.of("jobs.max_concurrent.gate", "1"), List.of(gate))) {
            gate.entered = new CountDownLatch(1);
            running = (String) minion.call("async.gate.pass");
            queued = (String) minion.call("async.gate.pass");
            assertTrue(gate.entered.await(30, TimeUnit.SECONDS));
            command = (String) minion.call("async.command.run", "sleep 578");
            for (int i = 0; i < 500 && ours("578").isEmpty(); i++) {
                Thread.sleep(10);
            }
            assertFalse(ours("578").isEmpty());
        }
        for (int i = 0; i < 200 && !ours("578").isEmpty(); i++) {
            Thread.sleep(25);
        }
        assertTrue(ours("578").isEmpty(), "the command job's process was killed at shutdown");
        try (TestMinion again = JobTestModules.minion(pki, dir, Map.of(), List.of())) {
            Map<String, Object> r = again.record("jobs.status", running);
            assertEquals("LOST", r.get("state"));
            assertTrue(((String) r.get("reason")).contains("minion stopped"), r.toString());
            assertEquals("LOST", again.record("jobs.status", queued).get("state"));
            assertEquals("LOST", again.record("jobs.status", command).get("state"));
        }
    }

    /** Live (non-zombie) descendants of this JVM running {@code sleep ARG}. */
    static List<ProcessHandle> ours(String arg) {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").matches(".*\\bsleep " + arg + "$"))
                .filter(p -> !zombie(p.pid()))
                .toList();
    }

    /** Gone, or a zombie nobody reaped yet (killed all the same). */
    static boolean isDead(long pid) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (!Files.exists(Path.of("/proc/" + pid)) || zombie(pid)) {
                return true;
            }
            Thread.sleep(25);
        }
        return false;
    }

    static boolean zombie(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return s.substring(s.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException gone) {
            return true;
        }
    }
}
