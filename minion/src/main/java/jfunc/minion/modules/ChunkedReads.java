package jfunc.minion.modules;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jfunc.common.Faults;
import jfunc.minion.ArgType;
import jfunc.minion.Args;
import jfunc.minion.CallContext;
import jfunc.minion.MethodSpec;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Chunked reads of files of any size ({@code jfunc TARGET pull}): {@code getfile.stat} (size,
 * SHA-256 of the whole file, and which file it is: its device and inode) and
 * {@code getfile.chunk} (at most {@link ChunkedWrites#MAX_CHUNK} bytes from an offset, only of
 * that same file). Each call opens the file afresh relative to a handle on its root with no
 * symlink followed ({@link ConfinedTree}): a file swapped for a symlink or another file during
 * the copy is refused (fault 107), never followed. Memory per call is one chunk.
 */
final class ChunkedReads {
    private final PathRoots roots;

    /** {@code roots}: getfile_roots, or null when reading is off. */
    ChunkedReads(PathRoots roots) {
        this.roots = roots;
    }

    List<MethodSpec> methods() {
        String where = roots == null ? "Off on this minion: set getfile_roots in its minion.conf."
                : "Allowed under: " + roots.roots();
        return List.of(
                MethodSpec.method("stat")
                        .help("A file's {path, size (a string), sha256, file_id} for a chunked pull. " + where)
                        .param("path", ArgType.STRING)
                        .handler(this::stat),
                MethodSpec.method("chunk")
                        .help("At most length (up to " + ChunkedWrites.MAX_CHUNK + ") bytes of a file from offset (a"
                                + " string): {content, sha256}; file_id (from getfile.stat) must still name the file. " + where)
                        .param("path", ArgType.STRING).param("offset", ArgType.STRING).param("length", ArgType.INT)
                        .param("file_id", ArgType.STRING)
                        .handler(this::chunk));
    }

    private PathRoots.Located locate(Args a) throws XmlRpcException {
        if (roots == null) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, a.method() + ": reading files is off on this minion;"
                    + " set getfile_roots (folders it may read) in its minion.conf");
        }
        return roots.locate(a.method(), a.string(0));
    }

    private Object stat(Args a, CallContext ctx) throws Exception {
        PathRoots.Located file = locate(a);
        try (SecureDirectoryStream<Path> dir = new ConfinedTree(file.root()).folderOf(a.method(), file.relative(), false)) {
            BasicFileAttributes attrs = regular(a, dir, file, null);
            try (SeekableByteChannel ch = open(a, dir, file)) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("path", file.path().toString());
                out.put("size", Long.toString(ch.size()));
                out.put("sha256", ChunkedWrites.sha256(ch));
                out.put("file_id", String.valueOf(attrs.fileKey()));
                return out;
            }
        } catch (NoSuchFileException e) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, a.method() + ": '" + file.path() + "' does not exist");
        }
    }

    private Object chunk(Args a, CallContext ctx) throws Exception {
        PathRoots.Located file = locate(a);
        long offset = ChunkedWrites.number(a, 1, "offset");
        int length = a.integer(2);
        if (length < 1 || length > ChunkedWrites.MAX_CHUNK) {
            throw a.bad("length must be between 1 and " + ChunkedWrites.MAX_CHUNK + ", got " + length);
        }
        try (SecureDirectoryStream<Path> dir = new ConfinedTree(file.root()).folderOf(a.method(), file.relative(), false)) {
            regular(a, dir, file, a.string(3));
            try (SeekableByteChannel ch = open(a, dir, file)) {
                ByteBuffer buf = ByteBuffer.allocate((int) Math.max(0, Math.min(length, ch.size() - offset)));
                ch.position(offset);
                while (buf.hasRemaining() && ch.read(buf) >= 0) {
                    // until the chunk is full or the file ends
                }
                byte[] content = buf.position() == buf.capacity() ? buf.array() : Arrays.copyOf(buf.array(), buf.position());
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("content", content);
                out.put("sha256", ChunkedWrites.sha256(content));
                return out;
            }
        } catch (NoSuchFileException e) {
            throw new XmlRpcException(Faults.PATH_NOT_ALLOWED, a.method() + ": '" + file.path()
                    + "' is gone (removed or renamed during the copy)");
        }
    }

    /**
     * The file's attributes, refusing anything but a regular file, and (when {@code fileId} is not
     * null) another file than the one {@code getfile.stat} saw.
     */
    private static BasicFileAttributes regular(Args a, SecureDirectoryStream<Path> dir, PathRoots.Located file, String fileId)
            throws XmlRpcException, NoSuchFileException {
        BasicFileAttributes attrs = ConfinedTree.attributes(dir, file.relative().getFileName());
        if (attrs == null) {
            throw new NoSuchFileException(file.path().toString());
        }
        if (attrs.isSymbolicLink()) {
            throw new XmlRpcException(Faults.PATH_NOT_ALLOWED, a.method() + ": '" + file.path() + "' is a symbolic link"
                    + (fileId == null ? "" : " now (swapped during the copy)") + "; no link is followed below a root");
        }
        if (!attrs.isRegularFile()) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, a.method() + ": '" + file.path() + "' is not a file");
        }
        if (fileId != null && !fileId.equals(String.valueOf(attrs.fileKey()))) {
            throw new XmlRpcException(Faults.PATH_NOT_ALLOWED, a.method() + ": '" + file.path() + "' is another file now"
                    + " (replaced during the copy); start the pull again");
        }
        return attrs;
    }

    private static SeekableByteChannel open(Args a, SecureDirectoryStream<Path> dir, PathRoots.Located file)
            throws IOException, XmlRpcException {
        try {
            return dir.newByteChannel(file.relative().getFileName(), Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        } catch (java.nio.file.FileSystemException e) {
            if (e instanceof NoSuchFileException n) {
                throw n;
            }
            // ELOOP: it became a symbolic link between the check and the open
            throw new XmlRpcException(Faults.PATH_NOT_ALLOWED, a.method() + ": '" + file.path() + "' cannot be opened"
                    + " without following a link (" + e.getReason() + "); no link is followed below a root");
        }
    }
}
