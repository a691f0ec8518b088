package jfunc.overlord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jfunc.overlord.MinionAddress;
import jfunc.common.json.Json;
import jfunc.overlord.testing.LoopbackFleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jfunc CLI in-process ({@link JfuncCli#run}) against real servers and a real state dir. */
class CliTest {
    @TempDir
    static Path dir;
    static LoopbackFleet fleet;
    static String state;

    @BeforeAll
    static void start() throws Exception {
        fleet = new LoopbackFleet();
        List<MinionAddress> all = List.of(fleet.healthy("web1"), fleet.healthy("web2"), fleet.dead("dead1"),
                fleet.blackhole("hole1"), fleet.garbage("junk1"), fleet.revoked("revoked1"));
        fleet.applyRevocations();
        fleet.writeState(dir.resolve("state"), all);
        Files.writeString(dir.resolve("state/overlord/groups"), "web: web*\nbroken: @nope\n");
        state = dir.resolve("state").toString();
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    record Run(int code, String out, String err) {}

    static Run jfunc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = JfuncCli.run(new PrintWriter(out), new PrintWriter(err), args);
        Run r = new Run(code, out.toString(), err.toString());
        assertFalse(r.err.contains("\tat "), "no stack trace: " + r.err);
        return r;
    }

    static Run jfuncState(String... args) {
        return jfuncIn(state, args);
    }

    /** jfunc with {@code --state-dir stateDir} before {@code args}. */
    static Run jfuncIn(String stateDir, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--state-dir";
        all[1] = stateDir;
        System.arraycopy(args, 0, all, 2, args.length);
        return jfunc(all);
    }

    @Test
    void pingHealthyMinionsExitsZeroWithATable() {
        Run r = jfuncState("web*", "ping", "--sort");
        assertEquals(0, r.code, r.err);
        List<String> lines = r.out.lines().toList();
        assertEquals("MINION  STATUS  RESULT", lines.get(0));
        assertTrue(lines.get(1).matches("web1    ok      pong in \\d+ ms"), lines.get(1));
        assertTrue(lines.get(2).startsWith("web2    ok      pong in "), lines.get(2));
        assertEquals("", r.err);
    }

    @Test
    void rowsAppearAsMinionsAnswerAndSortKeepsTargetOrder() {
        Run live = jfuncState("hole1;web1", "ping", "--timeout", "2");
        assertEquals(1, live.code);
        List<String> lines = live.out.lines().toList();
        assertEquals("MINION  STATUS       RESULT", lines.get(0));
        assertTrue(lines.get(1).matches("web1    ok           pong in \\d+ ms"), live.out);
        assertEquals("hole1   timeout      no answer within 2 s", lines.get(2));

        Run sorted = jfuncState("hole1;web1", "ping", "--timeout", "2", "--sort");
        lines = sorted.out.lines().toList();
        assertEquals("MINION  STATUS   RESULT", lines.get(0));
        assertEquals("hole1   timeout  no answer within 2 s", lines.get(1));
        assertTrue(lines.get(2).startsWith("web1    ok       pong in "), sorted.out);
    }

    @Test
    void aTargetMatchingNothingPrintsAnEmptyMapWithJson() {
        Run r = jfuncState("nomatch*", "ping", "--json");
        assertEquals(3, r.code);
        assertEquals("{}\n", r.out);
        assertTrue(r.err.startsWith("error: no minion matches 'nomatch*'"), r.err);
        Run call = jfuncState("nomatch*", "call", "test", "ping", "--json");
        assertEquals(3, call.code);
        assertEquals("{}\n", call.out);
    }

    @Test
    void pingMixedFleetClassifiesEachMinionAndExitsOne() {
        Run r = jfuncState("*", "ping", "--timeout", "2");
        assertEquals(1, r.code);
        Map<String, String> status = statuses(r.out);
        assertEquals(Map.of("dead1", "unreachable", "hole1", "timeout", "junk1", "protocol",
                "revoked1", "tls", "web1", "ok", "web2", "ok"), status);
        assertTrue(r.out.contains("no answer within 2 s"), r.out);
        assertTrue(r.out.contains("is revoked"), r.out);
        assertEquals("4 of 6 minions failed\n", r.err);
    }

    @Test
    void jsonOutputIsOneObjectWithValuesOrClassifiedErrors() {
        Run r = jfuncState("web1;dead1;web2", "call", "nope", "nothing", "--json", "--timeout", "5");
        assertEquals(1, r.code);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Map<String, Object>>> m = (Map<String, Map<String, Map<String, Object>>>) Json.parse(r.out);
        assertEquals(List.of("web1", "dead1", "web2"), List.copyOf(m.keySet()));
        assertEquals(Map.of("kind", "fault", "code", 102L, "label", "unknown-method", "message", "unknown method nope.nothing"),
                m.get("web1").get("error"));
        assertEquals("unreachable", m.get("dead1").get("error").get("kind"));
        Run ok = jfuncState("web1", "ping", "--json");
        assertEquals(0, ok.code);
        assertEquals(Map.of("web1", Map.of("ok", true)), Json.parse(ok.out));
    }

    @Test
    void commandRunOutputReadsAsExitAndLines() {
        Run r = jfuncState("web1", "call", "command", "run", "uptime");
        assertEquals(0, r.code, r.err);
        assertEquals("MINION  STATUS  RESULT\nweb1    ok      exit 0\n    out| first line\n    out| second line\n", r.out);
    }

    @Test
    void jsonArgsAreTypedAndBadOnesRefused() {
        Run r = jfuncState("web2", "call", "test", "echo", "--json-args", "{\"a\": [1, 2.5, true, \"x\"]}", "--json");
        assertEquals(0, r.code, r.err);
        assertEquals(Map.of("web2", Map.of("ok", Map.of("a", List.of(1L, 2.5, true, "x")))), Json.parse(r.out));
        Run plain = jfuncState("web2", "call", "test", "echo", "42", "--json");
        assertEquals(Map.of("web2", Map.of("ok", "42")), Json.parse(plain.out));
        Run bad = jfuncState("web2", "call", "test", "echo", "--json-args", "{oops}");
        assertEquals(2, bad.code);
        assertTrue(bad.err.startsWith("error: ARG 1 ('{oops}'): bad JSON at character 2"), bad.err);
        Run big = jfuncState("web2", "call", "test", "echo", "--json-args", "12345678901");
        assertEquals(2, big.code);
        assertTrue(big.err.contains("does not fit a 32-bit XML-RPC int"), big.err);
        Run nul = jfuncState("web2", "call", "test", "echo", "--json-args", "null");
        assertTrue(nul.err.contains("null has no XML-RPC form"), nul.err);
    }

    @Test
    void namesNotInTheInventoryAreReportedNotDropped() {
        Run r = jfuncState("web1;ghost", "ping");
        assertEquals(1, r.code);
        assertTrue(r.out.contains("ghost   unreachable  not in the inventory"), r.out);
    }

    @Test
    void aTargetMatchingNothingExitsThree() {
        Run r = jfuncState("mail*", "ping");
        assertEquals(3, r.code);
        assertEquals("error: no minion matches 'mail*' (6 known; see `jfunc '*' list-minions`)\n", r.err);
        assertEquals("", r.out);
        assertEquals(3, jfuncState("ghost", "ping").code);
    }

    @Test
    void badTargetsAreUsageErrors() {
        assertUsage(jfuncState("web[", "ping"), "error: unclosed '[' in pattern 'web[' (in target 'web[')");
        assertUsage(jfuncState("web1;;web2", "ping"), "error: empty part in target 'web1;;web2'");
        assertUsage(jfuncState("@nope", "ping"), "error: unknown group '@nope' (known groups: web, broken;");
        assertUsage(jfuncState("@broken", "ping"), "error: unknown group '@nope'");
        assertEquals(0, jfuncState("@web", "ping").code);
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertUsage(jfuncState("*", "ping", "--forks", "0"), "error: --forks must be between 1 and 1024 (got 0)");
        assertUsage(jfuncState("*", "ping", "--forks", "-5"), "error: --forks must be between 1 and 1024 (got -5)");
        assertUsage(jfuncState("*", "ping", "--forks", "many"), "error: Invalid value for option '--forks': 'many' is not an int");
        assertUsage(jfuncState("*", "ping", "--timeout", "abc"),
                "error: Invalid value for option '--timeout': 'abc' is not a number of seconds");
        assertUsage(jfuncState("*", "ping", "--timeout", "0"), "error: --timeout must be more than 0");
        assertUsage(jfuncState("*", "call", "command"), "error: missing METHOD after MODULE 'command'");
        assertUsage(jfuncState("*", "call"), "error: Missing required parameter: 'MODULE METHOD [ARG...]'");
        assertUsage(jfuncState("*", "call", "com mand", "run"), "error: 'com mand.run' is not a method name");
        assertUsage(jfuncState("*", "pong"), "error: Unmatched argument at index 3: 'pong'\nDid you mean: jfunc ping");
        assertUsage(jfuncState("ping"), "error: missing TARGET before 'ping'");
        assertUsage(jfuncState("*", "ping", "--bogus"), "error: Unknown option: '--bogus'");
        assertUsage(jfuncState("*", "call", "command", "run", "--deadline", "5m"), "error: --deadline goes with --async");
    }

    @Test
    void stateDirProblemsNameThePath() throws Exception {
        Run missing = jfunc("--state-dir", dir.resolve("nope").toString(), "*", "ping");
        assertUsage(missing, "error: state dir " + dir.resolve("nope") + " does not exist");
        Files.createDirectories(dir.resolve("empty"));
        Run noIdentity = jfunc("*", "ping", "--state-dir", dir.resolve("empty").toString());
        assertUsage(noIdentity, "error: missing " + dir.resolve("empty/overlord/overlord.key")
                + ": the overlord has no identity yet; run `jfunc-ca --state-dir");
        Files.writeString(dir.resolve("file"), "x");
        assertUsage(jfunc("--state-dir", dir.resolve("file").toString(), "*", "ping"), "is not a directory");
    }

    @Test
    void listMinionsShowsAddressesWithoutCallingAnyone() {
        Run r = jfuncState("list-minions");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.lines().findFirst().orElseThrow().matches("MINION +ADDRESS +STATE +LAST SEEN +RTT +CERT EXPIRES"), r.out);
        assertEquals(7, r.out.lines().count());
        Run web = jfuncState("web*;ghost", "list-minions", "--json");
        assertEquals(1, web.code);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(web.out);
        assertEquals(List.of("web1", "web2", "ghost"), List.copyOf(m.keySet()));
        assertTrue(String.valueOf(((Map<?, ?>) ((Map<?, ?>) m.get("web1")).get("ok")).get("address")).startsWith("127.0.0.1:"));
        assertEquals("not in the inventory", ((Map<?, ?>) ((Map<?, ?>) m.get("ghost")).get("error")).get("message"));
        assertEquals(3, jfuncState("x*", "list-minions").code);
    }

    @Test
    void helpCompletionAndJobIds() {
        Run help = jfunc("--help");
        assertEquals(0, help.code);
        assertTrue(help.out.contains("Exit codes:") && help.out.contains("Examples:"), help.out);
        Run completion = jfunc("generate-completion");
        assertEquals(0, completion.code);
        assertTrue(completion.out.contains("complete -F"), completion.out.substring(0, 200));
        assertUsage(jfunc("job", "status", "x", "--wait"), "error: 'x' is not a job id");
    }

    static void assertUsage(Run r, String errStart) {
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.startsWith(errStart) || r.err.contains(errStart), r.err);
        assertEquals("", r.out);
    }

    static Map<String, String> statuses(String table) {
        Map<String, String> m = new java.util.TreeMap<>();
        table.lines().skip(1).filter(l -> !l.startsWith(" ")).forEach(l -> {
            String[] w = l.split("\\s+");
            m.put(w[0], w[1]);
        });
        return m;
    }
}
