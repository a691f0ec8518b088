package jfunc.overlord.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.RealMinions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunked {@code push} and {@code pull} as a user runs them, against three real minions (jfuncd's
 * server and modules, in this JVM): files larger than a chunk, a resumed push, confinement, a
 * full local disk, and a 2 GB sparse push by a real jfunc process whose memory stays flat.
 */
@Timeout(600)
class FileTransferTest {
    @TempDir
    static Path dir;
    static RealMinions fleet;
    static String state;
    static Path served;
    static List<MinionAddress> minions = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        served = Files.createDirectories(dir.resolve("served"));
        for (String name : List.of("web1", "web2", "web3")) {
            Path files = Files.createDirectories(dir.resolve("files-" + name));
            minions.add(fleet.start(name, Map.of("getfile_roots", served.toString(), "copyfile_roots", files.toString()), false));
        }
        state = fleet.overlordState(dir.resolve("state"), minions).root().toString();
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    static CliTest.Run jfunc(String... args) {
        return CliTest.jfuncIn(state, args);
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static Path remote(String minion, String name) {
        return dir.resolve("files-" + minion).resolve(name);
    }

    @Test
    void pushSendsAFileLargerThanAChunkToEveryMinion() throws Exception {
        byte[] content = random(9 * 1024 * 1024 + 5); // three chunks
        Path local = Files.write(dir.resolve("big.bin"), content);
        CliTest.Run r = jfunc("*", "push", local.toString(), "big.bin", "--mode", "0600");
        assertEquals(0, r.code(), r.out() + r.err());
        for (String m : List.of("web1", "web2", "web3")) {
            assertArrayEquals(content, Files.readAllBytes(remote(m, "big.bin")), m);
            assertTrue(r.out().contains(m + "    ok      wrote " + remote(m, "big.bin").toRealPath() + " (" + content.length
                    + " bytes)"), r.out());
            try (var names = Files.list(remote(m, "big.bin").getParent())) {
                assertFalse(names.anyMatch(p -> p.getFileName().toString().contains("jfunc-part")), "no part file left");
            }
        }
        assertEquals("", r.err());
        CliTest.Run missing = jfunc("*", "push", dir.resolve("nope").toString(), "x");
        assertEquals(2, missing.code());
        assertEquals("error: LOCAL " + dir.resolve("nope") + " is not a file\n", missing.err());
    }

    /** What a push cut off by a minion restart leaves (ChunkedCopyTest restarts a real minion between chunks). */
    @Test
    void aPushAgainResumesFromTheChunksTheMinionCommitted() throws Exception {
        byte[] content = random(6 * 1024 * 1024);
        Path local = Files.write(dir.resolve("resume.bin"), content);
        Path files = remote("web2", "").toRealPath();
        Files.write(files.resolve(".resume.bin.jfunc-part-" + sha(content).substring(0, 16)),
                java.util.Arrays.copyOf(content, 4 * 1024 * 1024));
        CliTest.Run r = jfunc("web2", "push", local.toString(), "resume.bin");
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals("MINION  STATUS  RESULT\nweb2    ok      wrote " + files.resolve("resume.bin") + " (" + content.length
                + " bytes; resumed at byte 4194304)\n", r.out());
        assertArrayEquals(content, Files.readAllBytes(files.resolve("resume.bin")));
    }

    @Test
    void pullSavesEachMinionsCopyAndRefusesPathsLeavingTheRoots() throws Exception {
        byte[] log = random(3 * 1024 * 1024 + 100);
        Files.write(served.resolve("app.log"), log);
        Path secret = Files.writeString(dir.resolve("secret"), "no");
        Files.createSymbolicLink(served.resolve("link.log"), secret);
        Path out = Files.createDirectories(dir.resolve("pulled"));
        CliTest.Run r = jfunc("web1;web3", "pull", served.resolve("app.log").toString(), out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        for (String m : List.of("web1", "web3")) {
            assertArrayEquals(log, Files.readAllBytes(out.resolve(m).resolve("app.log")), m);
            try (var names = Files.list(out.resolve(m))) {
                assertEquals(List.of("app.log"), names.map(p -> p.getFileName().toString()).toList());
            }
        }
        assertTrue(r.out().contains("web1    ok      saved " + out.resolve("web1/app.log") + " (" + log.length + " bytes)"), r.out());
        for (String bad : List.of(served.resolve("../secret").toString(), served.resolve("link.log").toString())) {
            CliTest.Run refused = jfunc("web1", "pull", bad, out.toString());
            assertEquals(1, refused.code(), bad);
            assertTrue(refused.out().startsWith("MINION  STATUS            RESULT\nweb1    path-not-allowed  getfile.stat: "),
                    refused.out());
        }
        assertFalse(Files.exists(out.resolve("web1/secret")) || Files.exists(out.resolve("web1/link.log")));
    }

    /** LOCAL_DIR on a 1 MiB tmpfs (mounted here where the machine allows). */
    @Test
    void aPullToAFullDiskSaysSoAndLeavesNothingHalfWritten() throws Exception {
        Files.write(served.resolve("big.log"), random(3 * 1024 * 1024));
        Path small = Files.createDirectories(dir.resolve("small"));
        Assumptions.assumeTrue(mount(small), "cannot mount a tmpfs on this machine");
        try {
            CliTest.Run r = jfunc("web1", "pull", served.resolve("big.log").toString(), small.toString());
            assertEquals(1, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("No space left on device") && r.out().contains("the partial copy was removed"), r.out());
            try (var left = Files.list(small.resolve("web1"))) {
                assertEquals(List.of(), left.toList(), "nothing half-written is left");
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor(20, TimeUnit.SECONDS);
        }
    }

    /**
     * A 2 GB sparse file pushed by a real jfunc process (bin/jfunc's JVM options for a push): its peak RSS
     * stays far below the file's size (the figure is printed; README reports it).
     */
    @Test
    void aTwoGigabyteSparsePushKeepsMemoryFlat() throws Exception {
        Path sparse = dir.resolve("sparse.img");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(2L * 1024 * 1024 * 1024);
        }
        Path target = remote("web3", "sparse.img");
        try {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            // as bin/jfunc starts a push: its default options without C1-only
            cmd.addAll(jfunc.overlord.HostileMinionTest.jfuncJvmOptions().stream()
                    .filter(o -> !o.equals("-XX:TieredStopAtLevel=1")).toList());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JfuncCli.class.getName(),
                    "--state-dir", state, "--no-service", "web3", "push", sparse.toString(), "sparse.img", "--timeout", "120"));
            Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("push.out").toFile())
                    .redirectError(dir.resolve("push.err").toFile()).start();
            long peakKb = 0;
            while (p.isAlive()) {
                peakKb = Math.max(peakKb, jfunc.overlord.HostileMinionTest.peakRssKb(p.pid()));
                Thread.sleep(50);
            }
            String out = Files.readString(dir.resolve("push.out")) + Files.readString(dir.resolve("push.err"));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("(2147483648 bytes)"), out);
            assertEquals(2L * 1024 * 1024 * 1024, Files.size(target));
            System.out.println("2 GB sparse push: jfunc peak RSS " + peakKb / 1024 + " MB");
            assertTrue(peakKb > 0 && peakKb < 256 * 1024, "jfunc peaked at " + peakKb / 1024 + " MB RSS for a 2 GB file");
        } finally {
            Files.deleteIfExists(sparse);
            Files.deleteIfExists(target);
        }
    }

    static boolean mount(Path at) throws Exception {
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", at.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
