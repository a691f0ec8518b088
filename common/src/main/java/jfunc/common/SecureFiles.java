package jfunc.common;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes files so that a crash never leaves half a file behind (write to a temporary sibling,
 * fsync, rename) and secrets are never readable by others, not even for a moment (the
 * temporary file is created 0600 before any byte is written).
 */
public final class SecureFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> DIR_OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private SecureFiles() {}

    /** Replaces {@code target} atomically; mode 0600 when {@code secret}, else 0644. */
    public static void write(Path target, byte[] content, boolean secret) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // A fresh random name, created exclusively and written through the handle that created
        // it: concurrent writers of one target never share a temporary file, and nobody can swap
        // the name for a symlink between creating and writing.
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(RANDOM.nextLong()));
        try {
            try (var ch = java.nio.channels.FileChannel.open(tmp,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(secret ? OWNER_ONLY : PUBLIC))) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Like {@link #write} but refuses to replace an existing file. */
    public static void create(Path target, byte[] content, boolean secret) throws IOException {
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "refusing to overwrite");
        }
        write(target, content, secret);
    }

    /** Creates a directory (and parents) readable only by its owner. */
    public static Path privateDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, DIR_OWNER_ONLY);
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: nothing better to do
        }
        return dir;
    }
}
