package jfunc.common;

import java.nio.file.Path;

/**
 * The one folder that holds everything of a jfunc installation: {@code ca/}, {@code overlord/}
 * and {@code minion/NAME/}. Chosen by {@code --state-dir}, else {@code JFUNC_STATE_DIR}, else
 * {@code /var/lib/jfunc} for root and {@code ~/.jfunc} for other users.
 */
public final class StateDir {
    public static final String ENV = "JFUNC_STATE_DIR";
    private final Path root;

    public StateDir(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Resolves the state dir from a flag value (may be null) and the environment. */
    public static StateDir resolve(Path flag) {
        if (flag != null) {
            return new StateDir(flag);
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return new StateDir(Path.of(env));
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        return new StateDir(root ? Path.of("/var/lib/jfunc") : Path.of(System.getProperty("user.home"), ".jfunc"));
    }

    public Path root() {
        return root;
    }

    public Path ca() {
        return root.resolve("ca");
    }

    public Path overlord() {
        return root.resolve("overlord");
    }

    /** The folder of one minion; the name must already be valid. */
    public Path minion(String name) {
        return root.resolve("minion").resolve(Names.check(name));
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
