package jfunc.minion.modules;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import jfunc.common.Faults;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Reads and writes below a root through an open handle on the root ({@link SecureDirectoryStream},
 * openat-style), one folder at a time with no symlink followed on any component. A path that was
 * checked and then swapped for a symlink (a local writer racing the call) fails; it is never
 * followed out of the root. Files are written to a fresh temporary name in the final folder's
 * handle, given their mode, and renamed within that handle.
 *
 * <p>One gap Java leaves: there is no mkdirat, so a missing folder is created by path and then
 * entered through the handle (no symlink followed). If a racing writer swaps a parent for a
 * symlink at that moment, an empty folder may appear where the link points; the write then fails,
 * and no file is ever written there.
 */
final class ConfinedTree {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path root;

    /** {@code root}: a real path (no symlinks in it that a caller controls). */
    ConfinedTree(Path root) {
        this.root = root;
    }

    /** Writes {@code relative} (a normalized path below the root) atomically with {@code mode}. */
    void write(String method, Path relative, byte[] content, Set<PosixFilePermission> mode)
            throws IOException, XmlRpcException {
        String name = relative.getFileName().toString();
        try (SecureDirectoryStream<Path> dir = folderOf(method, relative, true)) {
            Path target = Path.of(name);
            BasicFileAttributes existing = attributes(dir, target);
            if (existing != null && existing.isDirectory()) {
                throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + ": '" + root.resolve(relative) + "' is a directory");
            }
            Path tmp = Path.of("." + name + ".tmp-" + ProcessHandle.current().pid() + "-" + Long.toHexString(RANDOM.nextLong()));
            boolean moved = false;
            try {
                try (SeekableByteChannel ch = dir.newByteChannel(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
                    ByteBuffer buf = ByteBuffer.wrap(content);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    if (ch instanceof java.nio.channels.FileChannel fc) {
                        fc.force(true);
                    }
                }
                // fchmod through the handle (no umask, no link followed), before the name appears
                dir.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setPermissions(mode);
                dir.move(tmp, dir, target); // renameat: replaces a symlink at the name, never follows it
                moved = true;
            } finally {
                if (!moved) {
                    try {
                        dir.deleteFile(tmp);
                    } catch (IOException ignored) {
                        // never created, or already gone
                    }
                }
            }
        }
    }

    /** Opens the regular file {@code relative} for reading, with no symlink followed anywhere below the root. */
    InputStream read(String method, Path relative) throws IOException, XmlRpcException {
        Path name = relative.getFileName();
        try (SecureDirectoryStream<Path> dir = folderOf(method, relative, false)) {
            BasicFileAttributes a = attributes(dir, name);
            if (a == null || !a.isRegularFile()) {
                throw new IOException("'" + root.resolve(relative) + "' is not a file");
            }
            return Channels.newInputStream(dir.newByteChannel(name, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
        }
    }

    /** The handle of the folder that holds {@code relative}, entered component by component. */
    SecureDirectoryStream<Path> folderOf(String method, Path relative, boolean create)
            throws IOException, XmlRpcException {
        SecureDirectoryStream<Path> dir = open(root);
        Path walked = root;
        try {
            for (int i = 0; i < relative.getNameCount() - 1; i++) {
                Path part = relative.getName(i);
                walked = walked.resolve(part);
                SecureDirectoryStream<Path> next;
                try {
                    next = dir.newDirectoryStream(part, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    if (!create) {
                        throw e;
                    }
                    try {
                        Files.createDirectory(walked);
                    } catch (FileAlreadyExistsException raced) {
                        // someone made it (or a link) meanwhile: the handle decides below
                    }
                    next = enter(method, dir, part, walked);
                } catch (FileSystemException e) {
                    throw notConfined(method, dir, part, walked, e);
                }
                dir.close();
                dir = next;
            }
            return dir;
        } catch (IOException | XmlRpcException | RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    private SecureDirectoryStream<Path> enter(String method, SecureDirectoryStream<Path> dir, Path part, Path walked)
            throws IOException, XmlRpcException {
        try {
            return dir.newDirectoryStream(part, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new XmlRpcException(Faults.PATH_NOT_ALLOWED, method + ": '" + walked
                    + "' changed while it was being created (a symbolic link on the way?); nothing was written");
        } catch (FileSystemException e) {
            throw notConfined(method, dir, part, walked, e);
        }
    }

    private static XmlRpcException notConfined(String method, SecureDirectoryStream<Path> dir, Path part, Path walked,
                                               FileSystemException e) {
        BasicFileAttributes a = attributes(dir, part);
        String what = a == null ? "cannot be entered (" + e.getReason() + ")"
                : a.isSymbolicLink() ? "is a symbolic link" : a.isDirectory() ? "cannot be entered (" + e.getReason() + ")"
                : "is not a folder";
        return new XmlRpcException(Faults.PATH_NOT_ALLOWED, method + ": '" + walked + "' " + what
                + "; no link is followed below a root, nothing was written");
    }

    static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) {
        try {
            return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (IOException e) {
            return null;
        }
    }

    private static SecureDirectoryStream<Path> open(Path folder) throws IOException {
        DirectoryStream<Path> ds = Files.newDirectoryStream(folder);
        if (ds instanceof SecureDirectoryStream<Path> s) {
            return s;
        }
        ds.close();
        throw new IOException("this platform has no SecureDirectoryStream (openat): copyfile cannot write safely");
    }
}
