package jfunc.minion.jobs;

import jfunc.minion.testing.TestMinion;
import static jfunc.minion.jobs.JobTimeoutTest.isDead;
import static jfunc.minion.jobs.JobTimeoutTest.ours;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jfunc.common.Config;
import jfunc.common.ExitCodes;
import jfunc.common.Faults;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import jfunc.minion.cli.MinionCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-module job pools (worker count, maximum running time) and their reload: in-process through
 * the reload entry jfuncd's SIGHUP uses, and in a real jfuncd process with a real config file and
 * a real SIGHUP.
 */
class JobPoolsTest {
    @TempDir
    Path dir;

    private static Map<String, Object> status(TestMinion m, String id) throws Exception {
        return m.record("jobs.status", id);
    }

    @Test
    void aShrunkPoolLetsItsRunningJobsFinishAndStartsQueuedOnesOnlyBelowItsNewSize() throws Exception {
        JobTestModules.Gate gate = new JobTestModules.Gate();
        try (TestMinion minion = JobTestModules.minion(new TestPki(), dir, Map.of("jobs.max_concurrent.gate", "2"),
                List.of(gate))) {
            gate.entered = new CountDownLatch(2);
            String a = (String) minion.call("async.gate.pass");
            String b = (String) minion.call("async.gate.pass");
            String c = (String) minion.call("async.gate.pass");
            assertTrue(gate.entered.await(30, TimeUnit.SECONDS));
            assertEquals("QUEUED", status(minion, c).get("state"));

            minion.jobs.reload(Config.of(Map.of("jobs.max_concurrent.gate", "1")));
            Thread.sleep(200);
            assertEquals("RUNNING", status(minion, a).get("state"), "a running job is not dropped");
            assertEquals("RUNNING", status(minion, b).get("state"));
            assertEquals("QUEUED", status(minion, c).get("state"));

            gate.entered = new CountDownLatch(1);
            gate.permits.release(); // one of a, b ends: the pool (now 1) is still full with the other
            String first = waitEnded(minion, a, b);
            String other = first.equals(a) ? b : a;
            assertFalse(gate.entered.await(300, TimeUnit.MILLISECONDS), "c must not start while the other runs");
            assertEquals("QUEUED", status(minion, c).get("state"));
            gate.permits.release();
            assertEquals("FINISHED", minion.record("jobs.wait", other, 30).get("state"));
            assertTrue(gate.entered.await(30, TimeUnit.SECONDS), "c starts once the pool is below its new size");
            gate.permits.release();
            assertEquals("FINISHED", minion.record("jobs.wait", c, 30).get("state"));
        }
    }

    private static String waitEnded(TestMinion minion, String a, String b) throws Exception {
        for (int i = 0; i < 600; i++) {
            for (String id : List.of(a, b)) {
                if (status(minion, id).get("state").equals("FINISHED")) {
                    return id;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("neither job ended");
    }

    @Test
    void aGrownPoolStartsQueuedJobsAtOnce() throws Exception {
        JobTestModules.Gate gate = new JobTestModules.Gate();
        try (TestMinion minion = JobTestModules.minion(new TestPki(), dir, Map.of("jobs.max_concurrent.gate", "1"),
                List.of(gate))) {
            gate.entered = new CountDownLatch(3);
            String[] ids = new String[3];
            for (int i = 0; i < 3; i++) {
                ids[i] = (String) minion.call("async.gate.pass");
            }
            assertEquals("QUEUED", status(minion, ids[2]).get("state"));
            minion.jobs.reload(Config.of(Map.of("jobs.max_concurrent.gate", "3")));
            assertTrue(gate.entered.await(30, TimeUnit.SECONDS), "all three run at once after the reload");
            gate.permits.release(3);
            for (String id : ids) {
                assertEquals("FINISHED", minion.record("jobs.wait", id, 30).get("state"));
            }
        }
    }

    @Test
    void aShorterMaximumRunningTimeStopsARunningCommandPastItAndFailsIt() throws Exception {
        try (TestMinion minion = JobTestModules.minion(new TestPki(), dir, Map.of(), List.of())) {
            String id = (String) minion.call("async.command.run", "sleep 581");
            List<ProcessHandle> sleeps = List.of();
            for (int i = 0; i < 500 && sleeps.isEmpty(); i++) {
                Thread.sleep(10);
                sleeps = ours("581");
            }
            assertFalse(sleeps.isEmpty(), "the job's sleep runs");
            String echo = (String) minion.call("async.test.echo", "other pool");
            assertEquals("FINISHED", minion.record("jobs.wait", echo, 30).get("state"));
            Thread.sleep(300); // the sleep has now run longer than the new time below
            minion.jobs.reload(Config.of(Map.of("jobs.max_running_time.command", "250ms")));
            Map<String, Object> r = minion.record("jobs.wait", id, 30);
            assertEquals("FAILED", r.get("state"));
            assertEquals(Faults.TIMEOUT, r.get("fault_code"));
            assertTrue(((String) r.get("fault_string")).contains("jobs.max_running_time.command (0.25s)"), r.toString());
            for (ProcessHandle p : sleeps) {
                assertTrue(isDead(p.pid()), "its process " + p.pid() + " was killed");
            }
            // other pools keep their time (job_max_runtime, 1h): a test job still runs to its end
            assertEquals("FINISHED", minion.record("jobs.wait", (String) minion.call("async.test.echo", "x"), 30)
                    .get("state"));
        }
    }

    @Test
    void badPoolSettingsAreClearErrorsAtStartAndAReloadWithThemChangesNothing() throws Exception {
        TestPki pki = new TestPki();
        for (Map.Entry<String, String> bad : Map.of(
                "jobs.max_concurrent.comand", "no module 'comand' on this minion",
                "jobs.max_running_time.nosuch", "no module 'nosuch' on this minion").entrySet()) {
            Config.ConfigException e = assertThrows(Config.ConfigException.class,
                    () -> JobTestModules.minion(pki, dir.resolve("a"), Map.of(bad.getKey(), "2"), List.of()).close());
            assertTrue(e.getMessage().contains(bad.getValue()), e.getMessage());
        }
        for (String count : List.of("0", "-3")) {
            Config.ConfigException e = assertThrows(Config.ConfigException.class,
                    () -> JobTestModules.minion(pki, dir.resolve("b"), Map.of("jobs.max_concurrent.command", count), List.of())
                            .close());
            assertTrue(e.getMessage().contains("jobs.max-concurrent.command must be at least 1, not " + count),
                    e.getMessage());
        }

        JobTestModules.Gate gate = new JobTestModules.Gate();
        try (TestMinion minion = JobTestModules.minion(pki, dir.resolve("c"), Map.of("jobs.max_concurrent.gate", "1"),
                List.of(gate))) {
            gate.entered = new CountDownLatch(1);
            String a = (String) minion.call("async.gate.pass");
            String b = (String) minion.call("async.gate.pass");
            assertTrue(gate.entered.await(30, TimeUnit.SECONDS));
            Config.ConfigException e = assertThrows(Config.ConfigException.class, () -> minion.jobs.reload(
                    Config.of(Map.of("jobs.max_concurrent.gate", "0", "jobs.max_queued", "0"))));
            assertTrue(e.getMessage().contains("must be at least 1"), e.getMessage());
            assertEquals("QUEUED", status(minion, b).get("state"), "the old pool (1 worker) stays");
            String c = (String) minion.call("async.gate.pass"); // and its old queue limit too
            gate.permits.release(3);
            for (String id : List.of(a, b, c)) {
                assertEquals("FINISHED", minion.record("jobs.wait", id, 30).get("state"));
            }
        }
    }

    /** The whole path in a real jfuncd: config file, SIGHUP, the log, exit 2 at start. */
    @Test
    void sighupAppliesTheConfigFilesPoolsAndABadFileKeepsTheOldOnes() throws Exception {
        TestPki pki = new TestPki();
        Path state = dir.resolve("state");
        JfuncdProcess.enrol(pki, state);
        Path conf = state.resolve("minion.conf");

        Files.writeString(conf, "jobs.max_concurrent.comand = 1\n");
        assertEquals(ExitCodes.USAGE, MinionCli.run("--config", conf.toString(), "--state-dir", state.toString(),
                "--name", JfuncdProcess.NAME, "--listen", "127.0.0.1:0"));

        Files.writeString(conf, "jobs.max_concurrent.command = 1\n");
        try (JfuncdProcess jfuncd = JfuncdProcess.start(state, Map.of(), List.of("--config", conf.toString()))) {
            RpcClient overlord = new RpcClient(pki.context(pki.overlord()), java.time.Duration.ofSeconds(5),
                    java.time.Duration.ofSeconds(30));
            String a = (String) overlord.call(jfuncd.endpoint, "async.command.run", "sleep 582");
            String b = (String) overlord.call(jfuncd.endpoint, "async.command.run", "sleep 583");
            for (int i = 0; i < 500 && ours("582").isEmpty(); i++) {
                Thread.sleep(10);
            }
            assertEquals("QUEUED", ((Map<?, ?>) overlord.call(jfuncd.endpoint, "jobs.status", b)).get("state"));

            Files.writeString(conf, "jobs.max_concurrent.command = 0\n");
            jfuncd.hangup();
            String out = jfuncd.awaitOutput("settings not reloaded, keeping the old ones");
            assertTrue(out.contains("jobs.max_concurrent.command' in " + conf + " must be at least 1, not 0"), out);
            assertEquals("QUEUED", ((Map<?, ?>) overlord.call(jfuncd.endpoint, "jobs.status", b)).get("state"));

            Files.writeString(conf, "jobs.max_concurrent.command = 2\njobs.max_running_time.command = 1s\n");
            jfuncd.hangup();
            jfuncd.awaitOutput("job pools reloaded: command: workers 1 -> 2, max_running_time 1h -> 1s");
            for (String id : List.of(a, b)) {
                Map<?, ?> r = (Map<?, ?>) overlord.call(jfuncd.endpoint, "jobs.wait", id, 30);
                assertEquals("FAILED", r.get("state"), "both ran, then passed the new 1 s: " + r);
                assertEquals(Faults.TIMEOUT, r.get("fault_code"));
            }
            assertEquals(true, overlord.call(jfuncd.endpoint, "test.ping"));
        }
    }
}
