package jfunc.overlord.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jfunc.common.Ids;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.cli.JfuncCli;
import jfunc.common.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code jfunc ... --async} and {@code jfunc job ...}: in-process and as real processes, over real minions. */
@Timeout(180)
class JobsCliTest {
    @TempDir
    Path dir;

    private RealMinions fleet;

    record Run(int code, String out, String err) {}

    @AfterEach
    void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    private static Run jfunc(StateDir state, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--state-dir", state.root().toString()));
        all.addAll(List.of(args));
        int code = JfuncCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        Run r = new Run(code, out.toString(), err.toString());
        assertFalse(r.err.contains("\tat "), "no stack trace: " + r.err);
        return r;
    }

    /** jfunc in a new JVM (the test class path); stdout and stderr captured. */
    private static Process jfuncProcess(StateDir state, List<String> jvm, String... args) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JfuncCli.class.getName(),
                "--state-dir", state.root().toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }

    private static Run finish(Process p) throws Exception {
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void asyncCallThenStatusWaitListAndJson() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.counted("a.example.org");
        MinionAddress b = fleet.start("b.example.org");
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a, b));

        Run submit = jfunc(state, "*", "call", "test", "echo", "hi there", "--async");
        assertEquals(0, submit.code, submit.err);
        String id = submit.out.trim();
        assertTrue(Ids.isValid(id), "stdout is the id alone: " + submit.out);
        assertTrue(submit.err.contains("submitted to 2 of 2 minions"), submit.err);

        Run wait = jfunc(state, "job", "status", id, "--wait", "--timeout", "30");
        assertEquals(0, wait.code, wait.err);
        assertTrue(wait.out.startsWith("job " + id + "  "), wait.out);
        assertTrue(wait.out.contains("a.example.org  finished      hi there"), wait.out);
        assertTrue(wait.out.contains("b.example.org  finished      hi there"), wait.out);
        assertTrue(wait.out.contains("job " + id + " FINISHED: 2 minions: 2 finished"), wait.out);

        Run json = jfunc(state, "job", "status", id, "--json");
        assertEquals(0, json.code, json.err);
        @SuppressWarnings("unchecked")
        Map<String, Object> job = (Map<String, Object>) Json.parse(json.out);
        assertEquals(id, job.get("id"));
        assertEquals("FINISHED", job.get("state"));
        assertEquals("test.echo", job.get("method"));
        assertEquals("['hi there']", job.get("args"));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> minions = (Map<String, Map<String, Object>>) job.get("minions");
        assertEquals("hi there", minions.get("a.example.org").get("ok"));
        assertEquals("FINISHED", minions.get("b.example.org").get("state"));

        Run list = jfunc(state, "job", "list");
        assertEquals(0, list.code, list.err);
        assertTrue(list.out.lines().skip(1).findFirst().orElseThrow().startsWith(id + "  FINISHED"), list.out);
        String header = list.out.lines().findFirst().orElseThrow();
        assertEquals(id.length() + 2, header.indexOf("STATE"), "the columns line up with the ids:\n" + list.out);
        Run listJson = jfunc(state, "job", "list", "--state", "partial", "--json");
        assertEquals("[]", listJson.out.trim().replaceAll("\\s", ""));

        Run jsonSubmit = jfunc(state, "*;ghost.example.org", "call", "test", "ping", "--async", "--json");
        assertEquals(1, jsonSubmit.code, "ghost was not submitted to: " + jsonSubmit.err);
        @SuppressWarnings("unchecked")
        Map<String, Object> sub = (Map<String, Object>) Json.parse(jsonSubmit.out);
        assertTrue(Ids.isValid((String) sub.get("id")));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> subMinions = (Map<String, Map<String, Object>>) sub.get("minions");
        assertEquals("RUNNING", subMinions.get("a.example.org").get("state"));
        assertNotNull(subMinions.get("a.example.org").get("job_id"));
        assertEquals("REMOTE_ERROR", subMinions.get("ghost.example.org").get("state"));

        // minions gone, port closed: a FINISHED job is still answered, from the store alone
        int calls = fleet.calls("a.example.org");
        fleet.close();
        Run offline = jfunc(state, "job", "status", id);
        assertEquals(0, offline.code, offline.err);
        assertTrue(offline.out.contains("a.example.org  finished      hi there"), offline.out);
        assertEquals(calls, fleet.calls("a.example.org"));
        Run purge = jfunc(state, "job", "purge", "--older-than", "0s");
        assertEquals(0, purge.code, purge.err);
        assertTrue(purge.out.startsWith("purged 2 jobs"), purge.out);
        assertEquals(2, jfunc(state, "job", "status", id).code, "purged: unknown id");
    }

    @Test
    void pingAndSyncCallNeverLoadTheStoreAndAFinishedStatusNeverBuildsTls() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        MinionAddress a = fleet.start("a.example.org");
        StateDir state = fleet.overlordState(dir.resolve("state"), List.of(a));
        Run sync = finish(jfuncProcess(state, List.of("-verbose:class"), "*", "call", "test", "ping"));
        assertEquals(0, sync.code, sync.err);
        assertFalse(sync.out.contains("org.mapdb"), "sync call loaded MapDB");
        assertFalse(sync.out.contains("jfunc.overlord.jobs.MapDbJobStore"));

        String id = jfunc(state, "*", "call", "test", "ping", "--async").out.trim();
        assertEquals(0, jfunc(state, "job", "status", id, "--wait").code);
        Run status = finish(jfuncProcess(state, List.of("-verbose:class"), "job", "status", id));
        assertEquals(0, status.code, status.err);
        assertTrue(status.out.contains("org.mapdb"), "the store was read");
        assertFalse(status.out.contains("jfunc.common.tls.TlsContexts"), "a TLS context was built");
        assertFalse(status.out.contains("jfunc.common.rpc.RpcClient "), "an RPC client was made");
    }

    @Test
    void oneProcessSubmitsWhileOthersListAndPoll() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        List<MinionAddress> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(fleet.slowSubmit("m" + i + ".example.org", 150));
        }
        StateDir state = fleet.overlordState(dir.resolve("state"), all);
        String first = jfunc(state, "*", "call", "test", "echo", "x", "--async").out.trim();
        Process submitter = jfuncProcess(state, List.of(), "*", "call", "test", "echo", "y", "--async", "--forks", "1");
        List<Process> readers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            readers.add(jfuncProcess(state, List.of(), "job", "list"));
            readers.add(jfuncProcess(state, List.of(), "job", "status", first, "--wait", "--timeout", "60"));
        }
        Run sub = finish(submitter);
        assertEquals(0, sub.code, sub.err);
        for (Process p : readers) {
            Run r = finish(p);
            assertEquals(0, r.code, r.err);
        }
        Run status = jfunc(state, "job", "status", sub.out.trim(), "--wait", "--timeout", "60");
        assertEquals(0, status.code, status.err);
        assertEquals(2, jfunc(state, "job", "list", "--state", "finished", "--json").out.split("\"id\"").length - 1);
    }

    @Test
    void killMinus9DuringALargeSubmissionLeavesAnIncompleteJobWhoseRestIsResent() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        List<MinionAddress> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            all.add(fleet.slowSubmit(String.format("m%02d.example.org", i), 300));
        }
        StateDir state = fleet.overlordState(dir.resolve("state"), all);
        Process submitter = jfuncProcess(state, List.of(), "*", "call", "test", "echo", "z", "--async", "--forks", "2");
        MapDbJobStore store = MapDbJobStore.in(state);
        String id = null;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (id == null) {
            assertTrue(System.nanoTime() < until, "no minion was ever recorded");
            Thread.sleep(100);
            if (!java.nio.file.Files.exists(store.file())) {
                continue;
            }
            for (JobSummary s : store.list(null, null, 5)) {
                if (s.count(MinionState.RUNNING) >= 2 && s.state() == JobState.RUNNING) {
                    id = s.id();
                }
            }
        }
        submitter.destroyForcibly(); // SIGKILL mid fan-out
        assertTrue(submitter.waitFor(30, TimeUnit.SECONDS));
        JobSummary incomplete = store.list(JobState.INCOMPLETE, null, 5).get(0);
        assertEquals(id, incomplete.id());
        int recorded = incomplete.count(MinionState.RUNNING);
        assertTrue(incomplete.count(MinionState.SUBMITTING) > 0, "killed before the end: " + incomplete.counts());

        Run list = jfunc(state, "job", "list", "--state", "incomplete");
        assertTrue(list.out.contains(id + "  INCOMPLETE"), list.out);
        Run status = jfunc(state, "job", "status", id, "--wait", "--timeout", "30", "--json");
        assertEquals(0, status.code, "unrecorded minions are re-sent their submission: " + status.err);
        @SuppressWarnings("unchecked")
        Map<String, Object> job = (Map<String, Object>) Json.parse(status.out);
        assertEquals("FINISHED", job.get("state"));
        @SuppressWarnings("unchecked")
        Map<String, Object> counts = (Map<String, Object>) job.get("counts");
        assertTrue(recorded < 12);
        assertEquals(12, ((Number) counts.get("FINISHED")).intValue(), "every minion finished: " + counts);
        for (int i = 0; i < 12; i++) {
            String name = String.format("m%02d.example.org", i);
            // a minion reached before the kill may be sent its submission again: same request id, one job
            assertTrue(fleet.calls(name, "jobs.submit") <= 2, name + " " + fleet.calls(name, "jobs.submit"));
        }
    }
}
