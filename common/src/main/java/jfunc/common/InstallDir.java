package jfunc.common;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where default config files are looked for: the installation's {@code etc/} (the launcher
 * passes the installation folder as {@code -Djfunc.home}), then {@code /etc/jfunc}. Never the
 * working directory: a daemon started by root from a shared folder must not take its settings
 * from whoever can write there.
 */
public final class InstallDir {
    public static final String PROPERTY = "jfunc.home";
    public static final Path SYSTEM_ETC = Path.of("/etc/jfunc");

    private InstallDir() {}

    /** The installation folder, or null when not started by the launcher. */
    public static Path home() {
        String h = System.getProperty(PROPERTY);
        return h == null || h.isBlank() ? null : Path.of(h).toAbsolutePath();
    }

    /** {@code HOME/etc/NAME} (when started by the launcher), then {@code /etc/jfunc/NAME}. */
    public static List<Path> defaults(String fileName) {
        List<Path> out = new ArrayList<>();
        Path home = home();
        if (home != null) {
            out.add(home.resolve("etc").resolve(fileName));
        }
        out.add(SYSTEM_ETC.resolve(fileName));
        return out;
    }
}
