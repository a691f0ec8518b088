package jfunc.minion.modules;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
 * Chunked copies of files of any size ({@code jfunc TARGET push}): {@code copyfile.begin},
 * {@code copyfile.chunk} (at most {@link #MAX_CHUNK} bytes each, with its own SHA-256, written
 * at the end of the copy so far and fsync'd: committed), {@code copyfile.commit} (the SHA-256 of
 * the whole file checked, the mode set, renamed into place). Until the commit the bytes live in
 * a hidden part file next to the target, {@code .NAME.jfunc-part-SHA16}, named after the file's
 * checksum, so a copy cut off by a restart (of either side) resumes at the last committed chunk:
 * {@code begin} answers how much is there. Everything goes through {@link ConfinedTree} below
 * {@code copyfile_roots} (no symlink followed); memory per call is one chunk.
 */
final class ChunkedWrites {
    /** The largest chunk one call may carry (its base64 stays well under a minion's 16 MiB body cap). */
    static final int MAX_CHUNK = 4 * 1024 * 1024;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final PathRoots roots;
    /** Largest file a push may write (copyfile_max_bytes); 0: no limit but the disk. */
    private final long maxBytes;

    ChunkedWrites(PathRoots roots, long maxBytes) {
        this.roots = roots;
        this.maxBytes = maxBytes;
    }

    List<MethodSpec> methods() {
        return List.of(
                MethodSpec.method("begin")
                        .help("Starts or resumes a chunked copy of a file of SIZE bytes (a string) whose SHA-256 is"
                                + " SHA256 to path: {path, offset, size, chunk_max}; offset (a string) is how many bytes"
                                + " are already committed (0 for a new copy). Allowed under: " + roots.roots())
                        .param("path", ArgType.STRING).param("size", ArgType.STRING).param("sha256", ArgType.STRING)
                        .handler(this::begin),
                MethodSpec.method("chunk")
                        .help("Appends one chunk (at most " + MAX_CHUNK + " bytes) at offset (a string, the committed"
                                + " length) of the copy begun with the same path, size and sha256; chunk_sha256 is the"
                                + " chunk's own SHA-256. Answers {offset} after it is on disk.")
                        .param("path", ArgType.STRING).param("size", ArgType.STRING).param("sha256", ArgType.STRING)
                        .param("offset", ArgType.STRING).param("content", ArgType.BASE64)
                        .param("chunk_sha256", ArgType.STRING)
                        .handler(this::chunk),
                MethodSpec.method("commit")
                        .help("Ends the copy: checks the whole file's SHA-256, sets mode (default 0644) and renames it"
                                + " into place: {path, size, sha256}. A checksum that differs removes the copy.")
                        .param("path", ArgType.STRING).param("size", ArgType.STRING).param("sha256", ArgType.STRING)
                        .optional("mode", ArgType.INT, ArgType.STRING)
                        .handler(this::commit));
    }

    /** The file one copy writes: where it goes, its size and checksum. */
    private record Copy(PathRoots.Located target, long size, String sha256) {
        Path part() {
            return Path.of("." + target.relative().getFileName() + ".jfunc-part-" + sha256.substring(0, 16));
        }

        Path name() {
            return target.relative().getFileName();
        }
    }

    private Copy copy(Args a) throws XmlRpcException {
        PathRoots.Located target = roots.locate(a.method(), a.string(0));
        long size = number(a, 1, "size");
        String sha = a.string(2);
        if (!sha.matches("[0-9a-f]{64}")) {
            throw a.bad("sha256 must be 64 lower-case hex digits, got '" + PathRoots.printable(sha) + "'");
        }
        if (maxBytes > 0 && size > maxBytes) {
            throw a.bad("'" + target.path() + "' would be " + size + " bytes, more than copyfile_max_bytes ("
                    + maxBytes + " bytes) allows; nothing was written");
        }
        return new Copy(target, size, sha);
    }

    private Object begin(Args a, CallContext ctx) throws Exception {
        Copy c = copy(a);
        try (SecureDirectoryStream<Path> dir = new ConfinedTree(c.target().root()).folderOf(a.method(), c.target().relative(), true)) {
            BasicFileAttributes existing = ConfinedTree.attributes(dir, c.name());
            if (existing != null && existing.isDirectory()) {
                throw new XmlRpcException(Faults.BAD_ARGUMENTS, a.method() + ": '" + c.target().path() + "' is a directory");
            }
            BasicFileAttributes part = ConfinedTree.attributes(dir, c.part());
            if (part != null && !part.isRegularFile()) {
                throw new XmlRpcException(Faults.PATH_NOT_ALLOWED, a.method() + ": '" + c.part() + "' next to '"
                        + c.target().path() + "' is not a regular file (a symbolic link?); nothing was written");
            }
            long have = part == null ? 0 : part.size();
            Set<StandardOpenOption> open = part == null ? Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)
                    : Set.of(StandardOpenOption.WRITE);
            try (SeekableByteChannel ch = dir.newByteChannel(c.part(), withNoFollow(open),
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
                if (have > c.size()) {
                    ch.truncate(0); // not this file's bytes after all: start over
                    have = 0;
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("path", c.target().path().toString());
            out.put("offset", Long.toString(have));
            out.put("size", Long.toString(c.size()));
            out.put("chunk_max", MAX_CHUNK);
            return out;
        }
    }

    private Object chunk(Args a, CallContext ctx) throws Exception {
        Copy c = copy(a);
        long offset = number(a, 3, "offset");
        byte[] content = a.bytes(4);
        if (content.length > MAX_CHUNK) {
            throw a.bad("a chunk of " + content.length + " bytes; at most " + MAX_CHUNK + " in one call; nothing was written");
        }
        String sha = sha256(content);
        if (!sha.equals(a.string(5))) {
            throw a.bad("the chunk at offset " + offset + " has sha256 " + sha + ", not the " + PathRoots.printable(a.string(5))
                    + " it was sent with (damaged on the way?); nothing was written");
        }
        if (offset + content.length > c.size()) {
            throw a.bad("the chunk at offset " + offset + " (" + content.length + " bytes) ends past the file's size "
                    + c.size() + "; nothing was written");
        }
        try (SecureDirectoryStream<Path> dir = new ConfinedTree(c.target().root()).folderOf(a.method(), c.target().relative(), false);
             SeekableByteChannel ch = openPart(a, dir, c, StandardOpenOption.WRITE)) {
            long have = ch.size();
            if (have != offset) {
                throw a.bad("wrong offset: the minion holds " + have + " committed bytes of this copy, the chunk starts at "
                        + offset + "; nothing was written (resume at " + have + ")");
            }
            try {
                ch.position(offset);
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                if (ch instanceof FileChannel fc) {
                    fc.force(false);
                }
            } catch (IOException e) {
                // a full disk, say: the partial copy is removed (its space freed); nothing appears at the target
                ch.close();
                dir.deleteFile(c.part());
                throw new XmlRpcException(Faults.MODULE_ERROR, a.method() + ": cannot write '" + c.target().path() + "' at "
                        + offset + ": " + reason(e) + "; the partial copy was removed and nothing was written there");
            }
            return Map.of("offset", Long.toString(offset + content.length));
        } catch (NoSuchFileException e) {
            throw noCopy(a, c);
        }
    }

    private Object commit(Args a, CallContext ctx) throws Exception {
        Copy c = copy(a);
        Set<PosixFilePermission> mode = CopyfileModule.mode(a, 3);
        try (SecureDirectoryStream<Path> dir = new ConfinedTree(c.target().root()).folderOf(a.method(), c.target().relative(), false)) {
            String sha;
            long have;
            try (SeekableByteChannel ch = openPart(a, dir, c, StandardOpenOption.READ)) {
                have = ch.size();
                if (have != c.size()) {
                    throw a.bad("the copy holds " + have + " of " + c.size() + " bytes: send the rest (from offset "
                            + have + ") before the commit");
                }
                sha = sha256(ch);
            } catch (NoSuchFileException e) {
                throw noCopy(a, c);
            }
            if (!sha.equals(c.sha256())) {
                dir.deleteFile(c.part());
                throw new XmlRpcException(Faults.BAD_ARGUMENTS, a.method() + ": the " + have + " bytes received for '"
                        + c.target().path() + "' have sha256 " + sha + ", not " + c.sha256() + "; the copy was removed"
                        + " and nothing was written there");
            }
            BasicFileAttributes existing = ConfinedTree.attributes(dir, c.name());
            if (existing != null && existing.isDirectory()) {
                throw new XmlRpcException(Faults.BAD_ARGUMENTS, a.method() + ": '" + c.target().path() + "' is a directory");
            }
            dir.getFileAttributeView(c.part(), PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setPermissions(mode);
            dir.move(c.part(), dir, c.name()); // renameat: a reader sees the old file or the whole new one
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("path", c.target().path().toString());
            out.put("size", Long.toString(have));
            out.put("sha256", sha);
            return out;
        }
    }

    private static SeekableByteChannel openPart(Args a, SecureDirectoryStream<Path> dir, Copy c, StandardOpenOption how)
            throws IOException, XmlRpcException {
        BasicFileAttributes part = ConfinedTree.attributes(dir, c.part());
        if (part != null && !part.isRegularFile()) {
            throw new XmlRpcException(Faults.PATH_NOT_ALLOWED, a.method() + ": '" + c.part() + "' is not a regular file"
                    + " (a symbolic link?); nothing was written");
        }
        return dir.newByteChannel(c.part(), Set.of(how, LinkOption.NOFOLLOW_LINKS));
    }

    private static XmlRpcException noCopy(Args a, Copy c) {
        return new XmlRpcException(Faults.BAD_ARGUMENTS, a.method() + ": no copy of '" + c.target().path()
                + "' with this sha256 is in progress: call copyfile.begin first");
    }

    private static Set<java.nio.file.OpenOption> withNoFollow(Set<StandardOpenOption> options) {
        Set<java.nio.file.OpenOption> out = new java.util.HashSet<>(options);
        out.add(LinkOption.NOFOLLOW_LINKS);
        return out;
    }

    /** A long sent as a string (XML-RPC has no 64-bit int) or an int. */
    static long number(Args a, int i, String what) {
        Object v = a.get(i);
        try {
            long n = v instanceof Integer x ? x : Long.parseLong(String.valueOf(v).strip());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw a.bad(what + " must be a whole number of bytes, 0 or more, got '" + PathRoots.printable(String.valueOf(v)) + "'");
        }
    }

    /** "No space left on device" rather than the exception's class name. */
    static String reason(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** The SHA-256 of what {@code ch} holds from its start, read 64 KiB at a time. */
    static String sha256(SeekableByteChannel ch) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        ch.position(0);
        while (ch.read(buf) >= 0) {
            buf.flip();
            sha.update(buf);
            buf.clear();
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
