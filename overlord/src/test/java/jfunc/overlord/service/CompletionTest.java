package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.cli.CliAccess;
import jfunc.overlord.jobs.RealMinions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The script of {@code jfunc generate-completion}, sourced in a real bash and run the way bash
 * runs it on TAB (COMP_WORDS, COMP_CWORD, COMPREPLY), against a real state dir with real
 * minions: without a service (methods from the built-in list) and through an in-process
 * jfunc-overlord (methods from a minion, asked once and then kept by the service).
 */
@Timeout(180)
class CompletionTest {
    @TempDir
    static Path dir;
    static RealMinions fleet;
    static StateDir state;
    static Path bin;

    @BeforeAll
    static void start() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        List<MinionAddress> all = List.of(fleet.start("web1", Map.of(), true), fleet.start("web2"), fleet.start("db1"));
        state = fleet.overlordState(dir.resolve("state"), all);
        Files.writeString(state.overlord().resolve("groups"), "webservers: web1, web2\ndatabases: db1\n");
        bin = Files.createDirectories(dir.resolve("bin"));
        Path jfunc = bin.resolve("jfunc");
        Files.writeString(jfunc, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp '" + System.getProperty("java.class.path")
                + "' jfunc.overlord.cli.JfuncCli \"$@\"\n");
        Files.setPosixFilePermissions(jfunc, PosixFilePermissions.fromString("rwx------"));
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    @Test
    void withoutAServiceTheInventoryAndTheBuiltInModulesAreOffered() throws Exception {
        String s = state.root().toString();
        String job = CliAccess.jfunc("--state-dir", s, "--no-service", "db1", "call", "test", "ping", "--async").trim();
        assertTrue(job.matches("\\d{8}-.*"), job);
        Map<String, String> got = complete(
                "jfunc --state-dir " + s + " ''",
                "jfunc --state-dir " + s + " j",
                "jfunc --state-dir " + s + " web1 ''",
                "jfunc --state-dir " + s + " @webservers call ''",
                "jfunc --state-dir " + s + " web1 call command ''",
                "jfunc --state-dir " + s + " web1 call command.r",
                "jfunc --state-dir " + s + " web1 call test ping ''",
                "jfunc --state-dir " + s + " web1 ping --ti",
                "jfunc --state-dir " + s + " job ''",
                "jfunc --state-dir " + s + " job status ''",
                "jfunc --state-dir " + s + " web1 push " + dir.resolve("bi"));
        List<String> v = List.copyOf(got.values());
        // the TARGET: names and groups, never a command
        assertEquals("db1 web1 web2 @databases @webservers", v.get(0));
        assertEquals("job", v.get(1));
        assertEquals("ping call push pull list-minions", sortedLike(v.get(2), "ping call push pull list-minions"));
        assertEquals("command copyfile facts getfile jobs process service system test", v.get(3));
        assertEquals("run", v.get(4));
        assertEquals("command.run", v.get(5));
        assertEquals("", v.get(6));
        assertEquals("--timeout", v.get(7));
        assertEquals("list status cancel purge", v.get(8));
        assertTrue(List.of(v.get(9).split(" ")).contains(job), v.get(9));
        assertEquals(dir.resolve("bin").toString(), v.get(10));
    }

    @Test
    void throughTheServiceMethodsComeFromAMinionAskedOnce() throws Exception {
        try (OverlordService service = OverlordService.start(state, ServiceTest.settings())) {
            String s = state.root().toString();
            Map<String, String> got = complete(
                    "jfunc --state-dir " + s + " web1 call ''",
                    "jfunc --state-dir " + s + " web1 call test ''",
                    "jfunc --state-dir " + s + " web1 call t");
            List<String> v = List.copyOf(got.values());
            assertEquals("command copyfile facts getfile jobs process service system test", v.get(0));
            assertEquals("add echo ping sleep", v.get(1));
            assertEquals("test", v.get(2));
            assertEquals(1, fleet.callsOf("web1", "system.list_methods"), "asked once, then kept by the service");
            // the method check before a call is kept too
            for (int i = 0; i < 2; i++) {
                CliAccess.jfunc("--state-dir", s, "web1", "call", "test", "ping");
            }
            assertEquals(1, fleet.callsOf("web1", "system.multicall"), "the method check asked once");
        }
    }

    /** The space-separated words of {@code got}, in {@code order}'s order when they are the same set. */
    private static String sortedLike(String got, String order) {
        return new java.util.TreeSet<>(List.of(got.split(" "))).equals(new java.util.TreeSet<>(List.of(order.split(" "))))
                ? order : got;
    }

    /** Each line completed by bash as on TAB after its last word: line to the words of COMPREPLY. */
    private static Map<String, String> complete(String... lines) throws Exception {
        StringBuilder script = new StringBuilder("source <(jfunc generate-completion)\n"
                + "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _jfunc_complete;"
                + " echo \"=> ${COMPREPLY[*]}\"; }\n");
        for (String l : lines) {
            script.append("t ").append(l).append('\n');
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().remove("JFUNC_STATE_DIR");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        List<String> answers = new ArrayList<>();
        for (String l : out.lines().toList()) {
            if (l.startsWith("=> ")) {
                answers.add(l.substring(3));
            } else if (l.equals("=>")) {
                answers.add("");
            }
        }
        assertEquals(lines.length, answers.size(), out);
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < lines.length; i++) {
            m.put(lines[i], answers.get(i));
        }
        return m;
    }
}
