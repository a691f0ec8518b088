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

    /** The keys each shipped config file documents (commented out, at their defaults) are the keys its program knows. */
    @Test
    void theShippedConfigFilesDocumentExactlyTheKnownKeys() throws Exception {
        assertEquals(new java.util.TreeSet<>(jfunc.minion.cli.MinionKeys.KNOWN), documentedKeys("etc/minion.conf", jfunc.minion.cli.MinionKeys.PREFIXES));
        assertEquals(new java.util.TreeSet<>(jfunc.certs.CaSettings.KEYS), documentedKeys("etc/certs.conf", List.of()));
        assertEquals(new java.util.TreeSet<>(jfunc.overlord.OverlordConfig.KEYS), documentedKeys("etc/overlord.conf", List.of()));
    }

    /** {@code worker_thread = 4} (a typo) stops each program at start, naming the key, the file and the right key. */
    @Test
    void aTypoInAnyConfigFileStopsTheStart(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path minionConf = java.nio.file.Files.writeString(dir.resolve("minion.conf"), "listen = 127.0.0.1:0\nworker_thread = 4\n");
        Ran d = run(MinionCli.class.getName(), "--config", minionConf.toString(), "--state-dir", dir.resolve("s").toString(),
                "--name", "web1");
        assertEquals(2, d.code(), d.out());
        assertEquals("jfuncd: error: unknown key 'worker_thread' in " + minionConf + " (did you mean 'worker_threads'?);"
                + " etc/minion.conf of the installation lists every key\n", d.out());
        assertTrue(!java.nio.file.Files.exists(dir.resolve("s/minion/web1")), "nothing made before the check");

        Path overlordConf = java.nio.file.Files.writeString(dir.resolve("overlord.conf"), "forks = 8\ntimeuot = 5s\n");
        Ran o = run(jfunc.overlord.service.ServiceCli.class.getName(), "--config", overlordConf.toString(),
                "--state-dir", dir.resolve("s").toString());
        assertEquals(2, o.code(), o.out());
        assertEquals("jfunc-overlord: error: unknown key 'timeuot' in " + overlordConf + " (did you mean 'timeout'?);"
                + " etc/overlord.conf of the installation lists every key\n", o.out());

        Path certsConf = java.nio.file.Files.writeString(dir.resolve("certs.conf"), "ca.max_pendng = 10\n");
        Ran c = run(CaCli.class.getName(), "--config", certsConf.toString(), "--state-dir", dir.resolve("s").toString(), "list");
        assertEquals(2, c.code(), c.out());
        assertEquals("error: unknown key 'ca.max_pendng' in " + certsConf + " (did you mean 'ca.max_pending'?);"
                + " etc/certs.conf of the installation lists every key\n", c.out());

        // the jfunc CLI reads overlord.conf of its installation (-Djfunc.home, as bin/launch passes it)
        java.nio.file.Files.createDirectories(dir.resolve("home/etc"));
        Path cliConf = java.nio.file.Files.writeString(dir.resolve("home/etc/overlord.conf"), "fork = 8\n");
        Ran j = run("-Djfunc.home=" + dir.resolve("home"), JfuncCli.class.getName(), "--state-dir", dir.resolve("s").toString(),
                "*", "ping");
        assertEquals(2, j.code(), j.out());
        assertEquals("error: unknown key 'fork' in " + cliConf + " (did you mean 'forks'?);"
                + " etc/overlord.conf of the installation lists every key\n", j.out());
    }

    /** The keys of {@code #key = value} and {@code key = value} lines; names with {@code skipPrefix} left out. */
    static java.util.SortedSet<String> documentedKeys(String file, List<String> skipPrefixes) throws Exception {
        java.util.SortedSet<String> keys = new java.util.TreeSet<>();
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("^#?([a-z][a-z0-9_.]*) = .*");
        for (String l : java.nio.file.Files.readAllLines(ReadmeExamplesTest.repoFile(file))) {
            java.util.regex.Matcher m = line.matcher(l);
            if (m.matches() && skipPrefixes.stream().noneMatch(m.group(1)::startsWith)) {
                keys.add(m.group(1));
            }
        }
        return keys;
    }

    record Ran(int code, String out) {}

    /** A program in a JVM of its own (arguments before the main class are JVM options). */
    private static Ran run(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Ran(p.exitValue(), out);
    }

    private static String ca(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CaCli.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()), args);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String process(String main, String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of(main));
        all.addAll(List.of(args));
        Ran r = run(all.toArray(String[]::new));
        assertEquals(0, r.code(), r.out());
        return r.out();
    }
}
