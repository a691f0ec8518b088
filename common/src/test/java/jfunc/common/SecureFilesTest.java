package jfunc.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecureFilesTest {
    /** Two copyfile calls for one path at once: both succeed and the file is one of them, whole. */
    @Test
    void concurrentWritersOfOneTargetNeverShareATemporaryFile(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("f.conf");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                byte[] content = ("writer " + t + "\n").repeat(2000).getBytes(StandardCharsets.UTF_8);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        SecureFiles.write(target, content, false);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(); // an exception here: one writer's temporary file was removed by another
            }
        } finally {
            pool.shutdownNow();
        }
        String text = Files.readString(target);
        assertTrue(text.matches("(writer [0-3]\n){2000}") && text.equals(text.substring(0, 9).repeat(2000)),
                "the file is exactly one writer's content");
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(target), left.toList(), "no temporary file is left behind");
        }
    }

    /** A symlink planted where the old, predictable temporary name was is neither followed nor removed. */
    @Test
    void aPlantedSymlinkIsNotFollowed(@TempDir Path dir) throws Exception {
        Path outside = Files.writeString(dir.resolve("outside"), "untouched");
        Path inner = Files.createDirectory(dir.resolve("root"));
        Path planted = inner.resolve(".f.tmp-" + ProcessHandle.current().pid());
        Files.createSymbolicLink(planted, outside);
        SecureFiles.write(inner.resolve("f"), "new".getBytes(StandardCharsets.UTF_8), false);
        assertEquals("new", Files.readString(inner.resolve("f")));
        assertEquals("untouched", Files.readString(outside));
    }
}
