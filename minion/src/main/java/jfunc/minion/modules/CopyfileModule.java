package jfunc.minion.modules;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jfunc.minion.ArgType;
import jfunc.minion.Args;
import jfunc.minion.CallContext;
import jfunc.minion.MethodSpec;
import jfunc.minion.MinionModule;
import jfunc.minion.MinionSettings;

/**
 * {@code copyfile.copyfile(path, content, mode)} writes a file atomically (temporary sibling,
 * fsync, mode, rename; the temporary file is 0600 until the mode is applied), relative to an open
 * handle on its root with no symlink followed ({@link ConfinedTree}), and
 * {@code copyfile.checksum(path)} returns its SHA-256. Both are confined to
 * {@code copyfile_roots} (comma-separated folders that must exist; default
 * {@code STATE/minion/NAME/files}, created on start).
 */
public final class CopyfileModule implements MinionModule {
    private PathRoots roots;
    private ChunkedWrites chunked;

    @Override
    public String name() {
        return "copyfile";
    }

    @Override
    public void configure(MinionSettings settings) throws Exception {
        roots = PathRoots.fromConfig("copyfile_roots", settings.config().get("copyfile_roots", null));
        if (roots == null) {
            roots = new PathRoots(List.of(Files.createDirectories(settings.minionDir().resolve("files"))));
        }
        long maxBytes = settings.config().getBytes("copyfile_max_bytes", 0);
        if (maxBytes < 0) {
            throw new jfunc.common.Config.ConfigException("copyfile_max_bytes must be 0 (no limit) or more");
        }
        chunked = new ChunkedWrites(roots, maxBytes);
    }

    @Override
    public List<MethodSpec> methods() {
        List<MethodSpec> all = new java.util.ArrayList<>(List.of(
                MethodSpec.method("copyfile")
                        .help("Writes content to path atomically with the given mode (int such as 420 = 0644,"
                                + " or an octal string such as \"0644\"; default 0644). Returns {path, size, sha256}."
                                + " Allowed under: " + roots.roots())
                        .param("path", ArgType.STRING).param("content", ArgType.BASE64)
                        .optional("mode", ArgType.INT, ArgType.STRING)
                        .handler(this::copyfile),
                MethodSpec.method("checksum")
                        .help("The SHA-256 of a file (lower-case hex). Allowed under: " + roots.roots())
                        .param("path", ArgType.STRING)
                        .handler(this::checksum)));
        all.addAll(chunked.methods());
        return all;
    }

    private Object copyfile(Args a, CallContext ctx) throws Exception {
        Set<PosixFilePermission> mode = mode(a);
        PathRoots.Located target = roots.locate(a.method(), a.string(0));
        byte[] content = a.bytes(1);
        new ConfinedTree(target.root()).write(a.method(), target.relative(), content, mode);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("path", target.path().toString());
        out.put("size", content.length);
        out.put("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
        return out;
    }

    private Object checksum(Args a, CallContext ctx) throws Exception {
        PathRoots.Located file = roots.locate(a.method(), a.string(0));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new ConfinedTree(file.root()).read(a.method(), file.relative())) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static Set<PosixFilePermission> mode(Args a) {
        return mode(a, 2);
    }

    /** The optional mode argument at {@code index} (default 0644) as permissions. */
    static Set<PosixFilePermission> mode(Args a, int index) {
        int mode = 0644;
        if (a.has(index)) {
            if (a.get(index) instanceof String s) {
                if (!s.matches("0?[0-7]{1,4}")) {
                    throw a.bad("mode must be octal such as \"0644\", got '" + PathRoots.printable(s) + "'");
                }
                mode = Integer.parseInt(s, 8);
            } else {
                mode = a.integer(index);
            }
        }
        if (mode < 0 || mode > 0777) {
            throw a.bad("mode must be between 0 and 0777 (511), got " + Integer.toOctalString(mode) + " (octal); "
                    + "setuid, setgid and sticky bits are not allowed");
        }
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                perms.add(order[i]);
            }
        }
        return perms;
    }
}
