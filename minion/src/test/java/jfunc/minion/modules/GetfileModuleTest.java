package jfunc.minion.modules;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jfunc.common.Faults;
import jfunc.minion.testing.TestMinion;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** getfile.read over real TLS: off until getfile_roots is set, confined, no symlink followed out. */
class GetfileModuleTest {
    @TempDir
    Path dir;

    @Test
    void readingIsRefusedUntilRootsAreSet() throws Exception {
        try (TestMinion minion = TestMinion.start(dir.resolve("state"), Map.of(), List.of())) {
            XmlRpcException e = assertThrows(XmlRpcException.class, () -> minion.call("getfile.read", "/etc/hostname"));
            assertEquals(Faults.BAD_ARGUMENTS, e.code);
            assertEquals("getfile.read: reading files is off on this minion; set getfile_roots (folders it may read)"
                    + " in its minion.conf", e.getMessage());
        }
    }

    @Test
    void readsConfinedFilesAndNoSymlinkLeadsOut() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root/sub"));
        Path outside = Files.writeString(dir.resolve("secret"), "outside");
        Files.writeString(root.resolve("app.conf"), "key = value\n");
        Files.createSymbolicLink(root.resolve("link"), outside);
        Files.createSymbolicLink(root.resolve("dirlink"), dir);
        try (TestMinion minion = TestMinion.start(dir.resolve("state"),
                Map.of("getfile_roots", dir.resolve("root").toString(), "getfile_max_bytes", "20"), List.of())) {
            Map<?, ?> r = (Map<?, ?>) minion.call("getfile.read", root.resolve("app.conf").toString());
            assertArrayEquals("key = value\n".getBytes(), (byte[]) r.get("content"));
            assertEquals(12, r.get("size"));
            assertEquals(root.resolve("app.conf").toRealPath().toString(), r.get("path"));

            for (String bad : List.of(outside.toString(), root.resolve("link").toString(), root.resolve("dirlink/secret").toString(),
                    root.resolve("../../secret").toString())) {
                XmlRpcException e = assertThrows(XmlRpcException.class, () -> minion.call("getfile.read", bad), bad);
                assertTrue(e.code == Faults.PATH_NOT_ALLOWED, bad + ": " + e.code + " " + e.getMessage());
            }
            Files.writeString(root.resolve("big"), "x".repeat(21));
            XmlRpcException big = assertThrows(XmlRpcException.class, () -> minion.call("getfile.read", root.resolve("big").toString()));
            assertTrue(big.getMessage().endsWith("is larger than getfile_max_bytes (20 bytes)"), big.getMessage());
        }
    }
}
