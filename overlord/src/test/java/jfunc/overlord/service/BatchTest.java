package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jfunc.common.StateDir;
import jfunc.common.json.Json;
import jfunc.overlord.service.ServiceTest.Run;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rolling batches ({@code --batch N|P%}, {@code --batch-fail N}) against five real minions:
 * embedded and through an in-process jfunc-overlord, sync and async. Each minion's command
 * writes when it starts and ends to one file, from which the test reads how many ran at once.
 */
@Timeout(240)
class BatchTest {
    @TempDir
    static Path dir;
    static ServedFleet fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ServedFleet(dir, List.of("m1", "m2", "m3", "m4", "m5"), false);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static Run jfunc(StateDir state, String... args) {
        return ServiceTest.jfuncOn(state, args);
    }

    /** A command that logs its start and end (nanoseconds) to {@code log}, sleeping in between. */
    static String logged(Path log, String then) {
        return "echo \"s $(date +%s%N)\" >> " + log + "; sleep 0.6; echo \"e $(date +%s%N)\" >> " + log + "; " + then;
    }

    /** The most commands that ran at once, and how many ran, from a {@link #logged} file. */
    static int[] overlap(Path log) throws Exception {
        List<long[]> events = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            String[] p = line.split(" ");
            events.add(new long[] {Long.parseLong(p[1]), p[0].equals("s") ? 1 : -1});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int max = 0;
        int started = 0;
        for (long[] e : events) {
            now += (int) e[1];
            max = Math.max(max, now);
            started += e[1] > 0 ? 1 : 0;
        }
        return new int[] {max, started};
    }

    @Test
    void syncBatchesRunAtMostNAtOnceInBothModesAndSayWhichBatchRuns() throws Exception {
        for (StateDir state : List.of(fixture.alone, fixture.served)) {
            Path log = dir.resolve("sync-" + state.root().getFileName() + ".log");
            Run r = jfunc(state, "*", "call", "command", "run", logged(log, "echo done"), "--batch", "2", "--sort");
            assertEquals(0, r.code(), r.out() + r.err());
            assertTrue(r.err().contains("batch 1 of 3\n") && r.err().contains("batch 2 of 3\n")
                    && r.err().contains("batch 3 of 3\n"), r.err());
            assertEquals(5, r.out().split("out\\| done", -1).length - 1, r.out());
            int[] o = overlap(log);
            assertEquals(5, o[1], "every minion ran");
            assertEquals(2, o[0], "at most 2 at once, and the batch was used: " + Files.readString(log));
        }
        // a percentage of the target's minions, rounded up: 40% of 5 is 2
        Path log = dir.resolve("percent.log");
        Run r = jfunc(fixture.alone, "*", "call", "command", "run", logged(log, "true"), "--batch", "40%");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("batch 3 of 3"), r.err());
        assertEquals(2, overlap(log)[0]);
    }

    @Test
    void batchFailStopsTheRolloutAndTheRestAreNotStartedWithTheReason() throws Exception {
        for (StateDir state : List.of(fixture.alone, fixture.served)) {
            Run r = jfunc(state, "*", "call", "command", "run", "exit 3", "--batch", "1", "--batch-fail", "1", "--sort");
            assertEquals(1, r.code(), r.err());
            String why = "not started: 1 minion failed, the rollout stopped (--batch-fail 1)";
            assertEquals("MINION  STATUS       RESULT\n"
                    + "m1      failed       exit 3\n"
                    + "m2      not_started  " + why + "\n"
                    + "m3      not_started  " + why + "\n"
                    + "m4      not_started  " + why + "\n"
                    + "m5      not_started  " + why + "\n", r.out());
            assertTrue(r.err().contains("5 of 5 minions failed"), r.err());
            Run json = jfunc(state, "m1;m2", "call", "command", "run", "exit 3", "--batch", "1", "--batch-fail", "1", "--json");
            Map<?, ?> m2 = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) Json.parse(json.out())).get("m2")).get("error");
            assertEquals("not_started", m2.get("kind"), json.out());
        }
        // what --ok-exit allows is no failure
        Run fine = jfunc(fixture.alone, "*", "call", "command", "run", "exit 3", "--batch", "1", "--batch-fail", "1", "--ok-exit", "0,3");
        assertEquals(0, fine.code(), fine.out() + fine.err());
        // through the service the job records each minion NOT_STARTED
        Run list = jfunc(fixture.served, "job", "list", "--json", "--limit", "20");
        assertTrue(list.out().contains("\"NOT_STARTED\": 4"), list.out());
    }

    @Test
    void badBatchValuesAreUsageErrors() {
        String usage = "--batch must be a number of minions (1 or more) or a percentage of them (1%-100%),"
                + " e.g. --batch 10 or --batch 25%";
        for (String bad : List.of("0", "150%", "abc", "0%", "-3", "")) {
            Run r = jfunc(fixture.alone, "*", "call", "test", "ping", "--batch", bad);
            assertEquals(2, r.code(), bad + ": " + r.err());
            assertEquals("error: " + usage + " (got '" + bad + "')\n", r.err(), bad);
            assertEquals("", r.out());
        }
        Run noBatch = jfunc(fixture.alone, "*", "call", "test", "ping", "--batch-fail", "2");
        assertEquals(2, noBatch.code());
        assertEquals("error: --batch-fail goes with --batch (e.g. --batch 10% --batch-fail 2)\n", noBatch.err());
        Run zero = jfunc(fixture.alone, "*", "call", "test", "ping", "--batch", "2", "--batch-fail", "0");
        assertEquals(2, zero.code());
        assertEquals("error: --batch-fail must be 1 or more (got 0)\n", zero.err());
    }

    @Test
    void embeddedAsyncBatchesNeedTheService() {
        Run r = jfunc(fixture.alone, "*", "call", "test", "ping", "--batch", "2", "--async");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("error: --batch with --async needs the service"), r.err());
        assertEquals("", r.out());
        assertTrue(jfunc(fixture.alone, "job", "list", "--json").out().strip().equals("[]"), "no job was made");
    }

    @Test
    void asyncBatchesAreSubmittedByTheServiceAsMinionsFinish() throws Exception {
        Path log = dir.resolve("async.log");
        Run submit = jfunc(fixture.served, "*", "call", "command", "run", logged(log, "echo done"), "--batch", "2", "--async");
        assertEquals(0, submit.code(), submit.err());
        String id = submit.out().strip();
        assertTrue(submit.err().contains("batch 1 of 3: 2 at once; 3 minions wait for their turn"), submit.err());
        Run status = jfunc(fixture.served, "job", "status", id, "--wait", "--timeout", "120", "--json");
        assertEquals(0, status.code(), status.out() + status.err());
        Map<?, ?> job = (Map<?, ?>) Json.parse(status.out());
        assertEquals("FINISHED", job.get("state"), status.out());
        assertEquals(Map.of("FINISHED", 5L), job.get("counts"), status.out());
        int[] o = overlap(log);
        assertEquals(5, o[1]);
        assertEquals(2, o[0], "at most 2 at once: " + Files.readString(log));

        Run failing = jfunc(fixture.served, "*", "call", "command", "run", "exit 3", "--batch", "1", "--batch-fail", "2", "--async");
        String failId = failing.out().strip();
        Run done = jfunc(fixture.served, "job", "status", failId, "--wait", "--timeout", "120", "--json");
        Map<?, ?> failedJob = (Map<?, ?>) Json.parse(done.out());
        assertEquals("FINISHED", failedJob.get("state"), done.out());
        assertEquals(Map.of("FINISHED", 2L, "NOT_STARTED", 3L), failedJob.get("counts"), done.out());
        Map<?, ?> m5 = (Map<?, ?>) ((Map<?, ?>) failedJob.get("minions")).get("m5");
        assertEquals("not started: 2 minions failed, the rollout stopped (--batch-fail 2)",
                ((Map<?, ?>) m5.get("error")).get("message"), done.out());
        Run table = jfunc(fixture.served, "job", "status", failId);
        assertTrue(table.out().contains("2 failed, 3 not_started"), table.out());
    }
}
