package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * {@code jfunc job cancel ID [MINION-TARGET]} against three real minions running real processes,
 * embedded and through an in-process jfunc-overlord: the process trees go, each minion is
 * recorded CANCELLED, the job FINISHED with the count; a finished job, an unknown id and a minion
 * the job does not have are answered clearly.
 */
@Timeout(180)
class CancelTest {
    @TempDir
    static Path dir;
    static ServedFleet fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ServedFleet(dir, List.of("m1", "m2", "m3"), false);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static Run jfunc(StateDir state, String... args) {
        return ServiceTest.jfuncOn(state, args);
    }

    /** How many sleep processes (not their shells) run a command line containing {@code marker}. */
    static long running(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false)
                        && p.info().commandLine().map(c -> c.contains(marker)).orElse(false)).count();
    }

    static void awaitRunning(String marker, long n) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (running(marker) < n && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertEquals(n, running(marker), "processes of " + marker);
    }

    @Test
    void cancelKillsTheJobOnEveryMinionInBothModes() throws Exception {
        for (StateDir state : List.of(fixture.alone, fixture.served)) {
            String marker = "sleep 61." + state.root().getFileName().toString().length() + "7";
            Run submit = jfunc(state, "*", "call", "command", "run", marker, "--async");
            assertEquals(0, submit.code(), submit.err());
            String id = submit.out().strip();
            awaitRunning(marker, 3);
            long at = System.nanoTime();
            Run cancel = jfunc(state, "job", "cancel", id);
            assertEquals(0, cancel.code(), cancel.out() + cancel.err());
            List<String> lines = cancel.out().lines().toList();
            assertEquals(4, lines.size(), cancel.out());
            for (int i = 0; i < 3; i++) {
                assertTrue(lines.get(i).matches("m" + (i + 1) + "  cancelled \\(job \\S+ cancelled by overlord at \\S+\\)"), lines.get(i));
            }
            assertEquals("job " + id + " FINISHED; 3 minions: 3 cancelled", lines.get(3));
            while (running(marker) > 0 && System.nanoTime() - at < 10_000_000_000L) {
                Thread.sleep(20);
            }
            assertEquals(0, running(marker), "every process tree is gone");

            Run status = jfunc(state, "job", "status", id, "--json");
            assertEquals(1, status.code(), "a cancelled minion did not answer: " + status.out());
            Map<?, ?> job = (Map<?, ?>) Json.parse(status.out());
            assertEquals("FINISHED", job.get("state"));
            assertEquals(Map.of("CANCELLED", 3L), job.get("counts"));
            Run list = jfunc(state, "job", "list");
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith(id) && l.matches(".*  3        3      0       3          command\\.run.*")),
                    list.out());

            Run again = jfunc(state, "job", "cancel", id);
            assertEquals(0, again.code(), again.err());
            assertEquals("job " + id + " is FINISHED already; nothing changed (3 minions: 3 cancelled)\n", again.out());
        }
    }

    @Test
    void cancelOnSomeMinionsLeavesTheOthersRunning() throws Exception {
        for (StateDir state : List.of(fixture.alone, fixture.served)) {
            String marker = "sleep 62." + state.root().getFileName().toString().length() + "3";
            String id = jfunc(state, "*", "call", "command", "run", marker, "--async").out().strip();
            awaitRunning(marker, 3);
            Run one = jfunc(state, "job", "cancel", id, "m1;m3");
            assertEquals(0, one.code(), one.out() + one.err());
            assertTrue(one.out().endsWith("job " + id + " PARTIAL; 3 minions: 1 running, 2 cancelled\n"), one.out());
            awaitRunning(marker, 1);

            Run notInJob = jfunc(state, "job", "cancel", id, "web9");
            assertEquals(2, notInJob.code());
            assertEquals("error: minion 'web9' is not part of job " + id + " (its minions: m1, m2, m3)\n", notInJob.err());
            assertEquals(0, jfunc(state, "job", "cancel", id, "m*").code());
            awaitRunning(marker, 0);
        }
    }

    @Test
    void anUnknownIdIsAClearError() {
        for (StateDir state : List.of(fixture.alone, fixture.served)) {
            Run r = jfunc(state, "job", "cancel", "20261123-013045-123-7f3a9c01");
            assertEquals(2, r.code(), r.out() + r.err());
            assertTrue(r.err().startsWith("error: no job 20261123-013045-123-7f3a9c01 in "), r.err());
            assertEquals("", r.out());
        }
    }
}
