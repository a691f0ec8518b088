package jfunc.minion.modules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import jfunc.common.Faults;
import org.apache.xmlrpc.XmlRpcException;

/**
 * The folders a module may touch, and the check that a path stays inside them. A path is
 * made absolute (relative paths are taken from the first root), {@code ..} is resolved
 * lexically, then the deepest existing ancestor is canonicalised with {@code toRealPath} (which
 * follows symlinks) and the rest appended: the result must lie inside a root's real path.
 */
final class PathRoots {
    private final List<Path> roots;

    /** {@code roots} must exist; they are kept as real paths. */
    PathRoots(List<Path> roots) throws IOException {
        this.roots = roots.stream().map(r -> {
            try {
                return r.toRealPath();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
    }

    /**
     * The roots a config value lists: comma-separated absolute folders that must exist. Null
     * when {@code configured} is null (the caller picks its default); empty is an error.
     */
    static PathRoots fromConfig(String key, String configured) throws jfunc.common.Config.ConfigException, IOException {
        if (configured == null) {
            return null;
        }
        List<Path> list = new java.util.ArrayList<>();
        for (String s : configured.split(",")) {
            if (s.isBlank()) {
                continue;
            }
            Path p = Path.of(s.strip());
            if (!p.isAbsolute() || !Files.isDirectory(p)) {
                throw new jfunc.common.Config.ConfigException(key + ": '" + s.strip() + "' is not an existing absolute folder");
            }
            list.add(p);
        }
        if (list.isEmpty()) {
            throw new jfunc.common.Config.ConfigException(key + " is empty");
        }
        return new PathRoots(list);
    }

    List<Path> roots() {
        return roots;
    }

    /** A checked path: the root it lies in and the rest below it. */
    record Located(Path root, Path relative) {
        Path path() {
            return root.resolve(relative);
        }
    }

    /**
     * Like {@link #resolve}, split into root and relative part, for {@link ConfinedTree}: the check
     * here gives the clear message, the handle-relative walk there makes it hold under races.
     */
    Located locate(String method, String text) throws XmlRpcException {
        Path real = resolve(method, text);
        for (Path root : roots) {
            if (real.startsWith(root) && !real.equals(root)) {
                return new Located(root, root.relativize(real));
            }
        }
        throw new IllegalStateException("resolve returned a path outside the roots: " + real);
    }

    /**
     * The real path {@code text} names, inside a root, whether or not it exists yet.
     *
     * @throws XmlRpcException PATH_NOT_ALLOWED when it is outside every root (also through a
     *     symlink), BAD_ARGUMENTS when it is not a usable path
     */
    Path resolve(String method, String text) throws XmlRpcException {
        Path p;
        try {
            p = Path.of(text);
        } catch (InvalidPathException e) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + ": '" + printable(text) + "' is not a path");
        }
        if (text.isEmpty()) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + ": the path is empty");
        }
        Path lexical = (p.isAbsolute() ? p : roots.get(0).resolve(p)).normalize();
        Path real = realPath(method, lexical);
        for (Path root : roots) {
            if (real.startsWith(root) && !real.equals(root)) {
                return real;
            }
        }
        throw new XmlRpcException(Faults.PATH_NOT_ALLOWED, method + ": '" + printable(text) + "' is outside the allowed roots"
                + (real.equals(lexical) ? "" : " (it resolves to " + real + ")") + "; allowed: " + roots);
    }

    /** Canonicalises the deepest existing ancestor (symlinks followed) and appends the rest. */
    private static Path realPath(String method, Path lexical) throws XmlRpcException {
        Path existing = lexical;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return lexical;
        }
        try {
            Path real = existing.toRealPath();
            return real.resolve(existing.relativize(lexical));
        } catch (NoSuchFileException e) {
            // a dangling symlink: where it points does not exist; judge by the link's target
            try {
                Path target = Files.readSymbolicLink(existing);
                Path resolved = existing.resolveSibling(target).normalize();
                return realPath(method, resolved.resolve(existing.relativize(lexical)).normalize());
            } catch (IOException e2) {
                throw new XmlRpcException(Faults.PATH_NOT_ALLOWED, method + ": cannot resolve " + lexical + ": " + e2.getMessage());
            }
        } catch (IOException e) {
            throw new XmlRpcException(Faults.PATH_NOT_ALLOWED, method + ": cannot resolve " + lexical + ": " + e.getMessage());
        }
    }

    static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
