package jfunc.minion.modules;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import jfunc.common.Faults;
import jfunc.minion.testing.TestMinion;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** copyfile confined to its roots, over mutual TLS. */
class CopyfileModuleTest {
    @TempDir
    static Path dir;
    static Path root;
    static Path outside;
    static TestMinion minion;

    @BeforeAll
    static void start() throws Exception {
        root = Files.createDirectories(dir.resolve("root")).toRealPath();
        outside = Files.createDirectories(dir.resolve("outside")).toRealPath();
        Files.writeString(outside.resolve("secret"), "keep me");
        Files.createSymbolicLink(root.resolve("escape"), outside);
        Files.createSymbolicLink(root.resolve("secret-link"), outside.resolve("secret"));
        Files.createSymbolicLink(root.resolve("dangling"), outside.resolve("not-yet"));
        minion = TestMinion.start(dir.resolve("state"), Map.of("copyfile_roots", root.toString()), List.of());
    }

    @AfterAll
    static void stop() {
        minion.close();
    }

    static XmlRpcException fault(String method, Object... params) {
        return assertThrows(XmlRpcException.class, () -> minion.call(method, params));
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void writesAtomicallyWithModeAndChecksums() throws Exception {
        byte[] content = "hello\n".getBytes(StandardCharsets.UTF_8);
        Map<?, ?> r = (Map<?, ?>) minion.call("copyfile.copyfile", root.resolve("a/b/hello.txt").toString(), content, 0600);
        Path file = root.resolve("a/b/hello.txt");
        assertEquals(file.toString(), r.get("path"));
        assertEquals(6, r.get("size"));
        assertEquals(sha(content), r.get("sha256"));
        assertEquals("hello\n", Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(sha(content), minion.call("copyfile.checksum", file.toString()));
        // relative paths are under the first root; string modes are octal; default 0644
        minion.call("copyfile.copyfile", "rel/run.sh", "#!/bin/sh\n".getBytes(), "0755");
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("rel/run.sh"))));
        minion.call("copyfile.copyfile", "plain.txt", new byte[0]);
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("plain.txt"))));
        // no temporary files left behind
        try (var s = Files.list(root.resolve("a/b"))) {
            assertEquals(List.of(file), s.toList());
        }
    }

    @Test
    void dotDotEscapesAreRefused() throws Exception {
        byte[] passwd = Files.readAllBytes(Path.of("/etc/passwd"));
        XmlRpcException rel = fault("copyfile.copyfile", "../../etc/passwd", "x".getBytes(), 0644);
        assertEquals(Faults.PATH_NOT_ALLOWED, rel.code);
        assertTrue(rel.getMessage().contains("outside the allowed roots"), rel.getMessage());
        assertEquals(Faults.PATH_NOT_ALLOWED, fault("copyfile.copyfile", root + "/../outside/new", "x".getBytes(), 0644).code);
        assertFalse(Files.exists(outside.resolve("new")));
        assertEquals(Faults.PATH_NOT_ALLOWED, fault("copyfile.checksum", "../../etc/passwd").code);
        assertEquals(Faults.PATH_NOT_ALLOWED, fault("copyfile.copyfile", "/etc/passwd", "x".getBytes(), 0644).code);
        assertEquals(Faults.PATH_NOT_ALLOWED, fault("copyfile.copyfile", root.toString(), "x".getBytes(), 0644).code);
        assertEquals(new String(passwd), Files.readString(Path.of("/etc/passwd")));
    }

    @Test
    void symlinksLeavingTheRootsAreRefused() throws Exception {
        assertEquals(Faults.PATH_NOT_ALLOWED, fault("copyfile.copyfile", root + "/escape/planted", "x".getBytes(), 0644).code);
        assertFalse(Files.exists(outside.resolve("planted")));
        XmlRpcException viaLink = fault("copyfile.copyfile", root + "/secret-link", "x".getBytes(), 0644);
        assertEquals(Faults.PATH_NOT_ALLOWED, viaLink.code);
        assertTrue(viaLink.getMessage().contains("resolves to " + outside.resolve("secret")), viaLink.getMessage());
        assertEquals("keep me", Files.readString(outside.resolve("secret")));
        assertEquals(Faults.PATH_NOT_ALLOWED, fault("copyfile.checksum", root + "/secret-link").code);
        assertEquals(Faults.PATH_NOT_ALLOWED, fault("copyfile.copyfile", root + "/dangling", "x".getBytes(), 0644).code);
        assertFalse(Files.exists(outside.resolve("not-yet")));
    }

    /**
     * Issue 15, finding 3: a local writer flips {@code race/sub} between a folder and a symlink to a
     * folder outside the root while copies run (before: 3 of 150 files landed outside). Every copy
     * is now written relative to a handle on the root with no link followed: zero escape.
     */
    @Test
    void aFolderFlippedToASymlinkDuringCopiesLetsNothingOut() throws Exception {
        Path race = Files.createDirectories(root.resolve("race"));
        Path sub = Files.createDirectories(race.resolve("sub"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger flips = new java.util.concurrent.atomic.AtomicInteger();
        Thread flipper = new Thread(() -> {
            for (int i = 0; running.get(); i++) {
                Path parked = race.resolve("parked-" + i);
                try {
                    Files.move(sub, parked, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (java.io.IOException e) {
                    continue;
                }
                try {
                    Files.createSymbolicLink(sub, elsewhere);
                    flips.incrementAndGet();
                    for (int spin = 0; spin < 2000; spin++) {
                        Thread.onSpinWait();
                    }
                    Files.delete(sub);
                } catch (java.io.IOException e) {
                    // the minion created sub meanwhile: leave it, park the next one
                }
                try {
                    Files.move(parked, sub, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (java.io.IOException e) {
                    // sub exists again: keep parked where it is
                }
            }
        }, "flipper");
        flipper.start();
        int written = 0;
        int refused = 0;
        try {
            for (int i = 0; i < 500; i++) {
                try {
                    minion.call("copyfile.copyfile", sub.resolve("f" + i).toString(), ("file " + i).getBytes(), 0644);
                    written++;
                } catch (XmlRpcException e) {
                    assertTrue(e.code == Faults.PATH_NOT_ALLOWED || e.code == Faults.MODULE_ERROR, e.code + " " + e.getMessage());
                    refused++;
                }
            }
        } finally {
            running.set(false);
            flipper.join(10_000);
        }
        try (var escaped = Files.walk(elsewhere)) {
            assertEquals(List.of(elsewhere), escaped.toList(), "files written outside the root");
        }
        assertTrue(flips.get() > 0 && written > 0, "flips " + flips + ", written " + written + ", refused " + refused);
    }

    @Test
    void badInputIsRefused() throws Exception {
        assertEquals(Faults.BAD_ARGUMENTS, fault("copyfile.copyfile", "x", "x".getBytes(), 04755).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("copyfile.copyfile", "x", "x".getBytes(), "rwx").code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("copyfile.copyfile", "x", "not base64 but a string", 0644).code);
        assertEquals(Faults.BAD_ARGUMENTS, fault("copyfile.copyfile", "", "x".getBytes()).code);
        Files.createDirectories(root.resolve("adir"));
        assertEquals(Faults.BAD_ARGUMENTS, fault("copyfile.copyfile", "adir", "x".getBytes()).code);
        assertFalse(Files.exists(root.resolve("x")));
        XmlRpcException missing = fault("copyfile.checksum", "no-such-file");
        assertEquals(Faults.MODULE_ERROR, missing.code);
    }
}
