package jfunc.minion.modules;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jfunc.common.Faults;
import jfunc.minion.testing.TestMinion;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunked copy methods over real TLS against a real minion: copyfile.begin/chunk/commit
 * (resume after a restart, wrong offsets and checksums, a full disk) and getfile.stat/chunk
 * (confined, a file swapped for a symlink or another file during the copy).
 */
class ChunkedCopyTest {
    @TempDir
    Path dir;

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private TestMinion minion(Path root, Map<String, String> more) throws Exception {
        Map<String, String> config = new java.util.HashMap<>(Map.of("copyfile_roots", root.toString()));
        config.putAll(more);
        return TestMinion.start(dir.resolve("state"), config, List.of());
    }

    @Test
    void aCopyResumesFromTheLastCommittedChunkAfterARestartAndAppearsOnlyWhenVerified() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        byte[] file = random(3 * 1024 * 1024 + 17);
        byte[] first = Arrays.copyOfRange(file, 0, 2 * 1024 * 1024);
        byte[] rest = Arrays.copyOfRange(file, first.length, file.length);
        String target = root.resolve("sub/data.bin").toString();
        String size = Integer.toString(file.length);
        String whole = sha(file);
        try (TestMinion m = minion(root, Map.of())) {
            Map<?, ?> begun = (Map<?, ?>) m.call("copyfile.begin", target, size, whole);
            assertEquals("0", begun.get("offset"));
            assertEquals(4 * 1024 * 1024, begun.get("chunk_max"));
            assertEquals(Map.of("offset", Integer.toString(first.length)),
                    m.call("copyfile.chunk", target, size, whole, "0", first, sha(first)));
        }
        assertFalse(Files.exists(root.resolve("sub/data.bin")), "a reader never sees half a file");
        try (TestMinion m = minion(root, Map.of())) { // restarted: the committed chunk is still there
            Map<?, ?> again = (Map<?, ?>) m.call("copyfile.begin", target, size, whole);
            assertEquals(Integer.toString(first.length), again.get("offset"));
            XmlRpcException early = assertThrows(XmlRpcException.class, () -> m.call("copyfile.commit", target, size, whole));
            assertTrue(early.getMessage().contains("send the rest (from offset " + first.length + ")"), early.getMessage());
            m.call("copyfile.chunk", target, size, whole, Integer.toString(first.length), rest, sha(rest));
            Map<?, ?> done = (Map<?, ?>) m.call("copyfile.commit", target, size, whole, "0640");
            assertEquals(whole, done.get("sha256"));
            assertEquals(size, done.get("size"));
        }
        assertArrayEquals(file, Files.readAllBytes(root.resolve("sub/data.bin")));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("sub/data.bin"))));
        try (var names = Files.list(root.resolve("sub"))) {
            assertEquals(List.of("data.bin"), names.map(p -> p.getFileName().toString()).toList(), "no part file left");
        }
    }

    @Test
    void aWrongOffsetOrChecksumWritesNothing() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        byte[] file = random(1000);
        byte[] a = Arrays.copyOfRange(file, 0, 400);
        String target = root.resolve("f").toString();
        String whole = sha(file);
        try (TestMinion m = minion(root, Map.of())) {
            m.call("copyfile.begin", target, "1000", whole);
            m.call("copyfile.chunk", target, "1000", whole, "0", a, sha(a));
            byte[] b = Arrays.copyOfRange(file, 400, 800);
            XmlRpcException gap = assertThrows(XmlRpcException.class,
                    () -> m.call("copyfile.chunk", target, "1000", whole, "500", b, sha(b)));
            assertEquals(Faults.BAD_ARGUMENTS, gap.code);
            assertEquals("copyfile.chunk: wrong offset: the minion holds 400 committed bytes of this copy, the chunk starts"
                    + " at 500; nothing was written (resume at 400)", gap.getMessage());
            XmlRpcException overlap = assertThrows(XmlRpcException.class,
                    () -> m.call("copyfile.chunk", target, "1000", whole, "0", b, sha(b)));
            assertTrue(overlap.getMessage().contains("wrong offset"), overlap.getMessage());
            XmlRpcException damaged = assertThrows(XmlRpcException.class,
                    () -> m.call("copyfile.chunk", target, "1000", whole, "400", b, sha(a)));
            assertEquals(Faults.BAD_ARGUMENTS, damaged.code);
            assertTrue(damaged.getMessage().contains("has sha256 " + sha(b) + ", not the " + sha(a)), damaged.getMessage());
            assertEquals("400", ((Map<?, ?>) m.call("copyfile.begin", target, "1000", whole)).get("offset"), "nothing written");
            XmlRpcException past = assertThrows(XmlRpcException.class,
                    () -> m.call("copyfile.chunk", target, "1000", whole, "400", random(700), sha(random(700))));
            assertTrue(past.getMessage().contains("ends past the file's size 1000"), past.getMessage());
            XmlRpcException huge = assertThrows(XmlRpcException.class, () -> m.call("copyfile.chunk", target, "9000000", whole,
                    "400", random(4 * 1024 * 1024 + 1), sha(random(4 * 1024 * 1024 + 1))));
            assertTrue(huge.getMessage().contains("at most 4194304 in one call"), huge.getMessage());

            // the whole file's checksum decides: other bytes with right chunk checksums are removed at commit
            byte[] other = random(600);
            m.call("copyfile.chunk", target, "1000", whole, "400", other, sha(other));
            XmlRpcException wrong = assertThrows(XmlRpcException.class, () -> m.call("copyfile.commit", target, "1000", whole));
            assertTrue(wrong.getMessage().contains("the copy was removed and nothing was written there"), wrong.getMessage());
            assertFalse(Files.exists(root.resolve("f")));
            assertEquals("0", ((Map<?, ?>) m.call("copyfile.begin", target, "1000", whole)).get("offset"));

            XmlRpcException noBegin = assertThrows(XmlRpcException.class, () -> m.call("copyfile.chunk", root.resolve("g").toString(),
                    "1000", whole, "0", a, sha(a)));
            assertTrue(noBegin.getMessage().contains("call copyfile.begin first"), noBegin.getMessage());
        }
    }

    @Test
    void pushesStayInsideTheRootsAndRespectTheSizeLimit() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(root.resolve("link"), outside);
        String whole = sha(random(10));
        try (TestMinion m = minion(root, Map.of("copyfile_max_bytes", "1MiB"))) {
            for (String bad : List.of(root.resolve("../outside/x").toString(), root.resolve("link/x").toString(), "/etc/x")) {
                XmlRpcException e = assertThrows(XmlRpcException.class, () -> m.call("copyfile.begin", bad, "10", whole), bad);
                assertEquals(Faults.PATH_NOT_ALLOWED, e.code, bad + ": " + e.getMessage());
            }
            XmlRpcException big = assertThrows(XmlRpcException.class,
                    () -> m.call("copyfile.begin", root.resolve("big").toString(), Integer.toString(2 * 1024 * 1024), whole));
            assertEquals(Faults.BAD_ARGUMENTS, big.code);
            assertTrue(big.getMessage().contains("more than copyfile_max_bytes (1048576 bytes) allows; nothing was written"),
                    big.getMessage());
        }
        try (var left = Files.list(outside)) {
            assertEquals(0, left.count());
        }
    }

    /** A copyfile root on a 1 MiB tmpfs (the test mounts one where it may; else it says so and stops). */
    @Test
    void aFullDiskFailsTheChunkClearlyAndLeavesNoPartialCopy() throws Exception {
        Path root = Files.createDirectories(dir.resolve("small"));
        if (!mount(root, "1m")) {
            org.junit.jupiter.api.Assumptions.abort("cannot mount a tmpfs here (not root?): pushesStayInsideTheRootsAndRespectTheSizeLimit"
                    + " covers the module's own size limit instead");
        }
        try (TestMinion m = minion(root, Map.of())) {
            byte[] file = random(3 * 1024 * 1024);
            String target = root.resolve("big.bin").toString();
            String whole = sha(file);
            m.call("copyfile.begin", target, Integer.toString(file.length), whole);
            XmlRpcException full = assertThrows(XmlRpcException.class,
                    () -> m.call("copyfile.chunk", target, Integer.toString(file.length), whole, "0",
                            Arrays.copyOf(file, 2 * 1024 * 1024), sha(Arrays.copyOf(file, 2 * 1024 * 1024))));
            assertEquals(Faults.MODULE_ERROR, full.code);
            assertTrue(full.getMessage().contains("No space left on device; the partial copy was removed and nothing was"
                    + " written there"), full.getMessage());
            try (var left = Files.list(root)) {
                assertEquals(List.of(), left.map(Path::toString).toList(), "the space is free again");
            }
        } finally {
            umount(root);
        }
    }

    @Test
    void pullsAreConfinedAndAFileSwappedDuringTheCopyIsRefused() throws Exception {
        Path root = Files.createDirectories(dir.resolve("logs"));
        Path secret = Files.writeString(dir.resolve("secret"), "not for the overlord");
        byte[] log = random(5000);
        Files.write(root.resolve("app.log"), log);
        Files.createSymbolicLink(root.resolve("link.log"), secret);
        try (TestMinion off = minion(root, Map.of())) {
            XmlRpcException e = assertThrows(XmlRpcException.class, () -> off.call("getfile.stat", root.resolve("app.log").toString()));
            assertTrue(e.getMessage().startsWith("getfile.stat: reading files is off on this minion"), e.getMessage());
        }
        try (TestMinion m = minion(root, Map.of("getfile_roots", root.toString()))) {
            String path = root.resolve("app.log").toString();
            Map<?, ?> st = (Map<?, ?>) m.call("getfile.stat", path);
            assertEquals("5000", st.get("size"));
            assertEquals(sha(log), st.get("sha256"));
            String id = (String) st.get("file_id");
            Map<?, ?> c1 = (Map<?, ?>) m.call("getfile.chunk", path, "0", 3000, id);
            assertArrayEquals(Arrays.copyOf(log, 3000), (byte[]) c1.get("content"));
            Map<?, ?> tail = (Map<?, ?>) m.call("getfile.chunk", path, "3000", 4000, id);
            assertArrayEquals(Arrays.copyOfRange(log, 3000, 5000), (byte[]) tail.get("content"), "fewer bytes at the end");

            for (String bad : List.of(root.resolve("../secret").toString(), root.resolve("link.log").toString(), secret.toString())) {
                XmlRpcException out = assertThrows(XmlRpcException.class, () -> m.call("getfile.stat", bad), bad);
                assertEquals(Faults.PATH_NOT_ALLOWED, out.code, bad + ": " + out.getMessage());
            }
            // swapped for a symlink between two chunks
            Files.delete(root.resolve("app.log"));
            Files.createSymbolicLink(root.resolve("app.log"), secret);
            XmlRpcException swapped = assertThrows(XmlRpcException.class, () -> m.call("getfile.chunk", path, "3000", 2000, id));
            assertEquals(Faults.PATH_NOT_ALLOWED, swapped.code, swapped.getMessage());
            // ... also for a link that stays inside the root: the file the copy began with, or nothing
            Files.write(root.resolve("other.log"), log);
            Files.delete(root.resolve("app.log"));
            Files.createSymbolicLink(root.resolve("app.log"), root.resolve("other.log"));
            XmlRpcException inside = assertThrows(XmlRpcException.class, () -> m.call("getfile.chunk", path, "3000", 2000, id));
            assertEquals(Faults.PATH_NOT_ALLOWED, inside.code);
            assertTrue(inside.getMessage().contains("(swapped during the copy)")
                    || inside.getMessage().contains("(replaced during the copy)"), inside.getMessage());
            // replaced by another file (renamed over it, as a log rotation or an editor does)
            Files.write(root.resolve("new.log"), log);
            Files.move(root.resolve("new.log"), root.resolve("app.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            XmlRpcException replaced = assertThrows(XmlRpcException.class, () -> m.call("getfile.chunk", path, "3000", 2000, id));
            assertEquals(Faults.PATH_NOT_ALLOWED, replaced.code);
            assertTrue(replaced.getMessage().contains("is another file now (replaced during the copy)"), replaced.getMessage());
        }
    }

    /** Mounts a tmpfs of {@code size} on {@code at}; false when this machine does not let us. */
    static boolean mount(Path at, String size) throws Exception {
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static void umount(Path at) throws Exception {
        Process p = new ProcessBuilder("umount", at.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(20, TimeUnit.SECONDS);
    }
}
