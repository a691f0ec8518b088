package jfunc.certs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Every file under a folder (but the lock file) with its bytes: "changes nothing" made checkable. */
public final class Snapshot {
    private Snapshot() {}

    public static Map<String, String> of(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals(".lock")).forEach(p -> {
                try {
                    out.put(dir.relativize(p).toString(), Arrays.toString(Files.readAllBytes(p)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
