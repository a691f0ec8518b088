package jfunc.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 8: what the working directory and the environment can do to the programs
 * started through bin/launch. Each case runs the real launcher and program.
 */
class LauncherTest {
    static final Path ROOT = QuickstartTest.ROOT;

    record Run(int exit, String out) {}

    static Run run(Path cwd, Map<String, String> env, String... cmd) throws Exception {
        Path log = Files.createTempFile(cwd.getParent(), "launch", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("JFUNC_JAVA_OPTS");
        pb.environment().remove("JFUNC_STATE_DIR");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(List.of(cmd) + " did not finish: " + Files.readString(log));
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    @Test
    void javaOptionsAreNotGlobbedAgainstTheWorkingDirectory(@TempDir Path tmp) throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("shared"));
        Files.createFile(cwd.resolve("-Djfunc.probe=planted"));
        Run r = run(cwd, Map.of("JFUNC_JAVA_OPTS", "-XshowSettings:properties -Djfunc.probe=*"),
                ROOT.resolve("bin/jfunc-ca").toString(), "--version");
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("jfunc.probe = *"), r.out);
        assertFalse(r.out.contains("planted"), r.out);
        assertTrue(r.out.contains("jfunc.home = " + ROOT), r.out);
    }

    @Test
    void jfuncdNeverReadsAConfigFromTheWorkingDirectory(@TempDir Path tmp) throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("shared"));
        Files.createDirectories(cwd.resolve("etc"));
        Files.writeString(cwd.resolve("etc/minion.conf"), "name = planted.example.org\n");
        Run r = run(cwd, Map.of("JFUNC_ENROL_MAX_WAIT", "1s"), ROOT.resolve("bin/jfuncd").toString(),
                "--state-dir", tmp.resolve("state").toString(), "--listen", "127.0.0.1:0", "--ca", "127.0.0.1:1");
        assertEquals(1, r.exit, r.out); // enrolment cannot finish: there is no CA
        assertTrue(r.out.contains("enrolling "), r.out);
        assertFalse(r.out.contains("planted"), r.out);
    }

    @Test
    void anArchiveFolderOthersCanWriteIsNotUsed(@TempDir Path tmp) throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("cwd"));
        Path open = Files.createDirectories(tmp.resolve("open-cds"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Run r = run(cwd, Map.of("JFUNC_CDS", "auto", "JFUNC_CDS_DIR", open.toString()),
                ROOT.resolve("bin/jfunc-ca").toString(), "--version");
        assertEquals(0, r.exit, r.out);
        try (var files = Files.list(open)) {
            assertEquals(List.of(), files.toList(), "an archive was written to a folder others can write");
        }
        // a planted archive there is not mapped either
        Files.writeString(open.resolve("planted.jsa"), "x");
        Run again = run(cwd, Map.of("JFUNC_CDS", "auto", "JFUNC_CDS_DIR", open.toString(),
                "JFUNC_JAVA_OPTS", "-Xlog:cds=info"), ROOT.resolve("bin/jfunc-ca").toString(), "--version");
        assertFalse(again.out.contains(open.toString()), again.out);

        // a private folder of ours gets an archive, published complete, with no temporary file left
        Path mine = tmp.resolve("my-cds");
        Run made = run(cwd, Map.of("JFUNC_CDS", "auto", "JFUNC_CDS_DIR", mine.toString()),
                ROOT.resolve("bin/jfunc-ca").toString(), "--version");
        assertEquals(0, made.exit, made.out);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(mine)));
        try (var files = Files.list(mine)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertEquals(1, names.size(), names.toString());
            assertTrue(names.get(0).endsWith(".jsa"), names.toString());
        }
    }
}
