package jfunc.minion.modules;

import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Faults;
import jfunc.minion.ArgType;
import jfunc.minion.Args;
import jfunc.minion.CallContext;
import jfunc.minion.MethodSpec;
import jfunc.minion.MinionModule;
import jfunc.minion.MinionSettings;
import org.apache.xmlrpc.XmlRpcException;

/**
 * {@code getfile.read(path)}: a file's content for {@code jfunc TARGET pull}. Reading is off
 * until {@code getfile_roots} names the folders it may read (no default: a minion does not hand
 * out its files unless told to); paths are confined to them as copyfile's are, and the file is
 * opened relative to a handle on its root with no symlink followed ({@link ConfinedTree}), so a
 * link cannot lead out. At most {@code getfile_max_bytes} (default 8MiB) in one answer.
 */
public final class GetfileModule implements MinionModule {
    private PathRoots roots;
    private long maxBytes = 8L * 1024 * 1024;

    @Override
    public String name() {
        return "getfile";
    }

    @Override
    public void configure(MinionSettings settings) throws Exception {
        roots = PathRoots.fromConfig("getfile_roots", settings.config().get("getfile_roots", null));
        maxBytes = settings.config().getBytes("getfile_max_bytes", maxBytes);
        if (maxBytes < 1 || maxBytes > 64L * 1024 * 1024) {
            throw new jfunc.common.Config.ConfigException("getfile_max_bytes must be between 1 byte and 64MiB");
        }
    }

    @Override
    public List<MethodSpec> methods() {
        List<MethodSpec> all = new java.util.ArrayList<>(List.of(MethodSpec.method("read")
                .help("A file's content: {path, size, sha256, content (base64)}; at most " + maxBytes + " bytes. "
                        + (roots == null ? "Off on this minion: set getfile_roots in its minion.conf."
                        : "Allowed under: " + roots.roots()))
                .param("path", ArgType.STRING)
                .handler(this::read)));
        all.addAll(new ChunkedReads(roots).methods());
        return all;
    }

    private Object read(Args a, CallContext ctx) throws Exception {
        if (roots == null) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, a.method() + ": reading files is off on this minion;"
                    + " set getfile_roots (folders it may read) in its minion.conf");
        }
        PathRoots.Located file = roots.locate(a.method(), a.string(0));
        byte[] content;
        try (InputStream in = new ConfinedTree(file.root()).read(a.method(), file.relative())) {
            content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        }
        if (content.length > maxBytes) {
            throw a.bad("'" + file.path() + "' is larger than getfile_max_bytes (" + maxBytes + " bytes)");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("path", file.path().toString());
        out.put("size", content.length);
        out.put("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
        out.put("content", content);
        return out;
    }
}
