package jfunc.overlord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jfunc.common.Ids;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.RealMinions;
import jfunc.common.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jfunc CLI as a Salt or Ansible user types it, in-process against two real minions
 * (jfuncd's server and modules): the exact output and exit code a user sees.
 */
@Timeout(120)
class FleetCliTest {
    @TempDir
    static Path dir;
    static RealMinions fleet;
    static String state;
    static List<MinionAddress> minions;

    @BeforeAll
    static void start() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        minions = List.of(fleet.start("web1"), fleet.start("web2"));
        state = fleet.overlordState(dir.resolve("state"), minions).root().toString();
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    static CliTest.Run jfunc(String... args) {
        return CliTest.jfuncIn(state, args);
    }

    @Test
    void aCommandThatExitsNonZeroIsAFailedMinionAndJfuncExitsOne() {
        CliTest.Run r = jfunc("*", "call", "command", "run", "false; exit 3", "--sort");
        assertEquals(1, r.code(), r.err());
        assertEquals("""
                MINION  STATUS  RESULT
                web1    failed  exit 3
                web2    failed  exit 3
                """, r.out());
        assertEquals("2 of 2 minions failed\n", r.err());

        CliTest.Run fine = jfunc("*", "call", "command", "run", "echo hi", "--sort");
        assertEquals(0, fine.code(), fine.err());
        assertEquals("""
                MINION  STATUS  RESULT
                web1    ok      exit 0
                    out| hi
                web2    ok      exit 0
                    out| hi
                """, fine.out());
    }

    /** Completion's fallback (no service) lists exactly what a real jfuncd offers. */
    @Test
    void completionsBuiltInMethodsAreAMinionsMethods() {
        CliTest.Run r = jfunc("web1", "call", "system", "list_methods", "--json");
        assertEquals(0, r.code(), r.err());
        List<?> listed = (List<?>) ((Map<?, ?>) ((Map<?, ?>) Json.parse(r.out())).get("web1")).get("ok");
        assertEquals(new java.util.TreeSet<>(Completion.BUILTIN_METHODS), new java.util.TreeSet<>(listed.stream().map(String::valueOf).toList()));
    }

    /** overlord.conf of the installation holds the defaults of forks, timeout and deadline; flags win. */
    @Test
    void overlordConfHoldsTheDefaultTimeoutAndDeadline(@TempDir Path home) throws Exception {
        java.nio.file.Files.createDirectories(home.resolve("etc"));
        java.nio.file.Files.writeString(home.resolve("etc/overlord.conf"), "forks = 1\ntimeout = 1s\ndeadline = 2h\n");
        String before = System.getProperty(jfunc.common.InstallDir.PROPERTY);
        System.setProperty(jfunc.common.InstallDir.PROPERTY, home.toString());
        try {
            CliTest.Run slow = jfunc("web1", "call", "command", "run", "sleep 3");
            assertEquals(1, slow.code(), slow.err());
            assertTrue(slow.out().startsWith("MINION  STATUS   RESULT\nweb1    timeout  "), slow.out());
            assertEquals(0, jfunc("web1", "call", "command", "run", "sleep 1.5", "--timeout", "20").code());

            java.time.Instant at = java.time.Instant.now();
            String id = jfunc("web1", "call", "test", "ping", "--async").out().trim();
            Map<?, ?> job = (Map<?, ?>) Json.parse(jfunc("job", "status", id, "--json").out());
            java.time.Instant deadline = java.time.Instant.parse((String) job.get("deadline"));
            assertTrue(Math.abs(java.time.Duration.between(at.plus(java.time.Duration.ofHours(2)), deadline).toSeconds()) < 60,
                    "deadline 2 h from now: " + job);

            java.nio.file.Files.writeString(home.resolve("etc/overlord.conf"), "forks = 0\n");
            CliTest.Run bad = jfunc("web1", "ping");
            assertEquals(2, bad.code());
            assertEquals("error: forks must be between 1 and 1024 (got 0)\n", bad.err());
        } finally {
            if (before == null) {
                System.clearProperty(jfunc.common.InstallDir.PROPERTY);
            } else {
                System.setProperty(jfunc.common.InstallDir.PROPERTY, before);
            }
        }
    }

    @Test
    void okExitSaysWhichExitCodesAreSuccess() {
        CliTest.Run r = jfunc("web1", "call", "command", "run", "exit 3", "--ok-exit", "0,2-4");
        assertEquals(0, r.code(), r.err());
        assertEquals("MINION  STATUS  RESULT\nweb1    ok      exit 3\n", r.out());

        CliTest.Run bad = jfunc("web1", "call", "command", "run", "exit 3", "--ok-exit", "zero");
        assertEquals(2, bad.code());
        assertEquals("error: --ok-exit: 'zero' is not a list of exit codes 0-255 (e.g. 0,1 or 0,2-4)\n", bad.err());
    }

    @Test
    void jsonShowsTheCommandAsAStructAndMarksTheFailure() {
        CliTest.Run r = jfunc("*", "call", "command", "run", "echo out; echo err >&2; exit 4", "--json");
        assertEquals(1, r.code(), r.err());
        Map<String, Object> run = Map.of("exit", 4L, "stdout", "out\n", "stderr", "err\n");
        assertEquals(Map.of("web1", Map.of("ok", run, "failed", true), "web2", Map.of("ok", run, "failed", true)),
                Json.parse(r.out()));
        assertEquals("", r.err());
    }

    @Test
    void asyncJobsCountAFailedCommandAsFailed() {
        CliTest.Run submit = jfunc("*", "call", "command", "run", "exit 4", "--async");
        assertEquals(0, submit.code(), submit.err());
        String id = submit.out().trim();
        assertTrue(Ids.isValid(id), submit.out());

        CliTest.Run wait = jfunc("job", "status", id, "--wait", "--timeout", "30");
        assertEquals(1, wait.code(), wait.err());
        assertTrue(wait.out().contains("\nweb1    failed        exit 4\n"), wait.out());
        assertTrue(wait.out().contains("\nweb2    failed        exit 4\n"), wait.out());
        assertTrue(wait.out().endsWith("job " + id + " FINISHED: 2 minions: 2 failed\n"), wait.out());

        CliTest.Run status = jfunc("job", "status", id);
        assertEquals(1, status.code(), status.err());
        assertTrue(status.out().contains("; 2 minions: 2 failed\n"), status.out());
        assertEquals(0, jfunc("job", "status", id, "--ok-exit", "0,4").code());

        CliTest.Run list = jfunc("job", "list");
        assertEquals(0, list.code(), list.err());
        String row = list.out().lines().filter(l -> l.startsWith(id)).findFirst().orElseThrow();
        assertTrue(row.matches(id + "  FINISHED    \\S+ \\S+  2        2      2       0          command.run .*"), row);

        CliTest.Run json = jfunc("job", "status", id, "--json");
        Map<?, ?> minions = (Map<?, ?>) ((Map<?, ?>) Json.parse(json.out())).get("minions");
        Map<?, ?> web1 = (Map<?, ?>) minions.get("web1");
        assertEquals(true, web1.get("failed"));
        assertEquals(Map.of("exit", 4L, "stdout", "", "stderr", ""), web1.get("ok"));
    }

    @Test
    void commandRunWordsAreOneShellCommandAndAfterDashDashTheArgv() {
        CliTest.Run shell = jfunc("web1", "call", "command", "run", "echo", "-n", "one;", "echo", "two");
        assertEquals(0, shell.code(), shell.err());
        assertEquals("MINION  STATUS  RESULT\nweb1    ok      exit 0\n    out| onetwo\n", shell.out());

        CliTest.Run argv = jfunc("web1", "call", "command", "run", "--", "echo", "-n", "one;", "echo", "two");
        assertEquals(0, argv.code(), argv.err());
        assertEquals("MINION  STATUS  RESULT\nweb1    ok      exit 0\n    out| one; echo two\n", argv.out());

        CliTest.Run dotted = jfunc("web1", "call", "command.run", "echo", "hi");
        assertEquals(0, dotted.code(), dotted.err());
        assertEquals("MINION  STATUS  RESULT\nweb1    ok      exit 0\n    out| hi\n", dotted.out());
    }

    @Test
    void saltWordsGetWhatToTypeInstead() {
        CliTest.Run r = jfunc("*", "cmd.run", "uptime");
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertEquals("error: 'cmd.run' is not a jfunc command; did you mean 'call command run'? e.g. jfunc --state-dir "
                + state + " '*' call command run uptime\nSee 'jfunc --help' for usage.\n", r.err());
        assertTrue(jfunc("*", "test.ping").err().startsWith("error: 'test.ping' is not a jfunc command;"
                + " did you mean 'ping'?"));
        assertTrue(jfunc("*", "grains.items").err().contains("did you mean 'call facts all'?"));
        assertTrue(jfunc("*", "cp.get_file", "a", "b").err().contains("did you mean 'push LOCAL REMOTE'?"));
    }

    @Test
    void anUnknownMethodIsReportedOnceBeforeTheFanOut() {
        CliTest.Run r = jfunc("*", "call", "cmd", "run", "uptime");
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertEquals("error: unknown method cmd.run on web1 (did you mean 'command.run'?);"
                + " list them with: jfunc web1 call system list_methods\n", r.err());
        CliTest.Run typo = jfunc("*", "call", "test.pnig");
        assertEquals("error: unknown method test.pnig on web1 (did you mean 'test.ping'?);"
                + " list them with: jfunc web1 call system list_methods\n", typo.err());
    }

    @Test
    void argumentsBecomeTheDeclaredTypes() {
        CliTest.Run add = jfunc("*", "call", "test", "add", "2", "3", "--sort");
        assertEquals(0, add.code(), add.err());
        assertEquals("MINION  STATUS  RESULT\nweb1    ok      5\nweb2    ok      5\n", add.out());
        CliTest.Run sleep = jfunc("web1", "call", "test", "sleep", "0.01");
        assertEquals("MINION  STATUS  RESULT\nweb1    ok      true\n", sleep.out());

        CliTest.Run bad = jfunc("*", "call", "test", "add", "2", "x");
        assertEquals(2, bad.code());
        assertEquals("error: ARG 2 of test.add ('x') must be int: test.add(a: int, b: int)\n", bad.err());
        CliTest.Run few = jfunc("*", "call", "test", "add", "2");
        assertEquals(2, few.code());
        assertEquals("error: test.add takes 2 arguments, got 1: test.add(a: int, b: int)\n", few.err());
    }

    @Test
    void userRunsTheCommandAsThatUser() {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "minions run as root");
        CliTest.Run r = jfunc("web1", "call", "command", "run", "id", "-u;", "echo", "$USER", "--user", "nobody");
        assertEquals(0, r.code(), r.err());
        assertEquals("MINION  STATUS  RESULT\nweb1    ok      exit 0\n    out| 65534\n    out| nobody\n", r.out());
        CliTest.Run unknown = jfunc("web1", "call", "command", "run", "id", "--user", "no-such-user-here");
        assertEquals(1, unknown.code());
        assertEquals("MINION  STATUS         RESULT\nweb1    bad-arguments  command.run: option user: no user"
                + " 'no-such-user-here' on this minion\n", unknown.out());
        assertEquals(2, jfunc("web1", "call", "test", "ping", "--user", "nobody").code());
    }

    @Test
    void tableShowsOneColumnPerFieldOfStructResults() throws Exception {
        Process p = new ProcessBuilder("hostname").start();
        String host = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        String cpus = Integer.toString(Runtime.getRuntime().availableProcessors());
        CliTest.Run r = jfunc("*", "call", "facts", "all", "--table", "minion,hostname,cpus,nosuch");
        assertEquals(0, r.code(), r.err());
        String w = " ".repeat(Math.max(0, "HOSTNAME".length() - host.length()));
        String hw = " ".repeat(Math.max(0, host.length() - "HOSTNAME".length()));
        assertEquals("MINION  STATUS  MINION  HOSTNAME" + hw + "  CPUS  NOSUCH\n"
                + "web1    ok      web1    " + host + w + "  " + cpus + " ".repeat(Math.max(0, 4 - cpus.length())) + "  -\n"
                + "web2    ok      web2    " + host + w + "  " + cpus + " ".repeat(Math.max(0, 4 - cpus.length())) + "  -\n",
                r.out());
    }

    @Test
    void progressCountsOkFailedPendingAndNamesTheSlowest() {
        java.io.StringWriter err = new java.io.StringWriter();
        ProgressLine line = new ProgressLine(new java.io.PrintWriter(err), 5);
        long t0 = 1_000_000_000L;
        line.started("web1", t0);
        line.started("web2", t0 + 500_000_000L);
        line.started("web3", t0 + 600_000_000L);
        line.started("web4", t0 + 700_000_000L);
        line.finished("web1", false);
        line.finished("web3", true);
        assertEquals("[2/5] 1 ok, 1 failed, 3 pending; slowest: web2 3.5s, web4 3.3s", line.text(t0 + 4_000_000_000L));
    }

    @Test
    void jobStatusWaitsForSeveralJobs() {
        String a = jfunc("web1", "call", "test", "echo", "a", "--async").out().trim();
        String b = jfunc("web2", "call", "command", "run", "exit 2", "--async").out().trim();
        CliTest.Run r = jfunc("job", "status", a, b, "--wait", "--timeout", "30");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().contains("job " + a + " FINISHED: 1 minion: 1 finished\n"), r.out());
        assertTrue(r.out().contains("web2    failed        exit 2\n"), r.out());
        assertTrue(r.out().endsWith("job " + b + " FINISHED: 1 minion: 1 failed\n"), r.out());
        CliTest.Run json = jfunc("job", "status", a, b, "--wait", "--json");
        List<?> jobs = (List<?>) Json.parse(json.out());
        assertEquals(List.of(a, b), jobs.stream().map(j -> ((Map<?, ?>) j).get("id")).toList());
    }

    @Test
    void aRevokedMinionShowsAsRevoked() throws Exception {
        String revokedState = fleet.overlordState(dir.resolve("state-revoked"), minions).root().toString();
        java.nio.file.Files.writeString(Path.of(revokedState, "ca", "records", "gone.properties"),
                "name=gone\naddress=127.0.0.1:1\nstate=revoked\nserial=02\n");
        CliTest.Run exact = CliTest.jfunc("--state-dir", revokedState, "gone", "ping");
        assertEquals(1, exact.code(), exact.err());
        assertEquals("MINION  STATUS   RESULT\ngone    revoked  revoked: the CA revoked its certificate; to let it"
                + " enrol again: jfunc-ca clean gone, then restart its jfuncd\n", exact.out());

        CliTest.Run glob = CliTest.jfunc("--state-dir", revokedState, "*", "ping", "--sort");
        assertEquals(0, glob.code(), glob.err());
        assertEquals(List.of("web1", "web2"), glob.out().lines().skip(1).map(l -> l.split(" ")[0]).toList());
        assertEquals("not called, revoked by the CA: gone (jfunc-ca clean NAME forgets one)\n", glob.err());

        CliTest.Run list = CliTest.jfunc("--state-dir", revokedState, "list-minions");
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().endsWith("\ngone    (revoked by the CA; jfunc-ca clean gone forgets it)\n"), list.out());
        CliTest.Run json = CliTest.jfunc("--state-dir", revokedState, "list-minions", "--json");
        Map<?, ?> all = (Map<?, ?>) Json.parse(json.out());
        assertEquals(Map.of("ok", Map.of("address", minions.get(0).hostPort())), all.get("web1"));
        assertEquals(Map.of("kind", "revoked", "code", 0L, "label", "revoked",
                "message", "revoked by the CA (jfunc-ca clean gone forgets it)"), ((Map<?, ?>) all.get("gone")).get("error"));
    }

    @Test
    void pushWritesTheFileOnEachMinion() throws Exception {
        Path local = java.nio.file.Files.writeString(dir.resolve("motd"), "hello fleet\n");
        Path remote = dir.resolve("fleet/minion/web1/files/motd");
        CliTest.Run r = jfunc("web1", "push", local.toString(), remote.toString(), "--mode", "0600");
        assertEquals(0, r.code(), r.err());
        assertEquals("MINION  STATUS  RESULT\nweb1    ok      wrote " + remote.toRealPath() + " (12 bytes)\n", r.out());
        assertEquals("hello fleet\n", java.nio.file.Files.readString(remote));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(remote)));

        CliTest.Run outside = jfunc("web1", "push", local.toString(), "/etc/jfunc-test-motd");
        assertEquals(1, outside.code());
        assertTrue(outside.out().contains("web1    path-not-allowed  "), outside.out());
        assertEquals(2, jfunc("web1", "push", dir.resolve("nope").toString(), "/tmp/x").code());
    }

    @Test
    void pullSavesEachMinionsCopyAndIsRefusedUntilRootsAreSet() throws Exception {
        Path served = java.nio.file.Files.createDirectories(dir.resolve("served"));
        java.nio.file.Files.writeString(served.resolve("app.conf"), "key = value\n");
        MinionAddress files1 = fleet.start("files1", Map.of("getfile_roots", served.toString()), false);
        String filesState = fleet.overlordState(dir.resolve("state-files"), List.of(files1, minions.get(0))).root().toString();
        Path out = java.nio.file.Files.createDirectories(dir.resolve("pulled"));
        CliTest.Run r = CliTest.jfunc("--state-dir", filesState, "files1", "pull", served.resolve("app.conf").toString(),
                out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("MINION  STATUS  RESULT\nfiles1  ok      saved " + out.resolve("files1/app.conf") + " (12 bytes)\n",
                r.out());
        assertEquals("key = value\n", java.nio.file.Files.readString(out.resolve("files1/app.conf")));

        CliTest.Run off = CliTest.jfunc("--state-dir", filesState, "web1", "pull", "/etc/hostname", out.toString());
        assertEquals(1, off.code());
        assertEquals("MINION  STATUS         RESULT\nweb1    bad-arguments  getfile.stat: reading files is off on this"
                + " minion; set getfile_roots (folders it may read) in its minion.conf\n", off.out());
    }
}
