package jfunc.overlord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jfunc.certs.cli.CaCli;
import jfunc.common.Version;
import jfunc.minion.cli.MinionCli;
import org.junit.jupiter.api.Test;

/** What every program says about itself: --version, and examples in each command's --help. */
class ProgramsTest {
    @Test
    void allThreeProgramsPrintTheirVersion() throws Exception {
        assertTrue(Version.current().matches("\\d+\\.\\d+\\.\\d+.*"), Version.current());
        assertEquals("jfunc " + Version.current() + "\n", CliTest.jfunc("--version").out());
        assertEquals("jfunc-ca " + Version.current() + "\n", ca("--version"));
        assertEquals("jfuncd " + Version.current() + "\n", process(MinionCli.class.getName(), "--version"));
    }

    @Test
    void everyCommandsHelpHasExamples() {
        for (List<String> cmd : List.of(List.of("--help"), List.of("ping", "--help"), List.of("call", "--help"),
                List.of("list-minions", "--help"), List.of("job", "--help"), List.of("job", "list", "--help"),
                List.of("job", "status", "--help"), List.of("job", "purge", "--help"))) {
            CliTest.Run r = CliTest.jfunc(cmd.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("Examples:\n  jfunc "), "jfunc " + cmd + ":\n" + r.out());
        }
        for (String sub : List.of("init", "serve", "list", "sign", "revoke", "clean")) {
            assertTrue(ca(sub, "--help").contains("Examples:\n  jfunc-ca " + sub), sub);
        }
    }

    private static String ca(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CaCli.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()), args);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String process(String main, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
