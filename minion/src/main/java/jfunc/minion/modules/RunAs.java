package jfunc.minion.modules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * command.run's {@code user} / {@code group} options: the child runs under another identity,
 * set by util-linux {@code setpriv} in argv form (no shell between): real and effective uid and
 * gid, the user's supplementary groups (or none with only a group), then exec of the command, so
 * the process tree and its timeout stay ours. Only a minion running as root can do this; any
 * other is refused with a message saying so. Names resolve through NSS ({@code getent}), so
 * LDAP users work too.
 *
 * @param uid   the user's uid, or -1 to keep the minion's
 * @param gid   the group's gid (the user's primary group unless a group was named)
 * @param name  the user name, for USER/LOGNAME; null with only a group
 * @param home  the user's home, for HOME; null with only a group
 */
record RunAs(int uid, int gid, String name, String home) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\\$?");
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    /** The identity for {@code user} and/or {@code group} (either may be null, not both). */
    static RunAs resolve(String method, String user, String group, boolean minionIsRoot) throws IllegalArgumentException {
        if (!minionIsRoot) {
            throw new IllegalArgumentException(method + ": options user and group need a minion running as root;"
                    + " this one runs as uid " + ownUid() + " (run the command as that user, or run jfuncd as root)");
        }
        if (!Files.isExecutable(SETPRIV)) {
            throw new IllegalArgumentException(method + ": options user and group need " + SETPRIV
                    + " (util-linux) on the minion");
        }
        int uid = -1;
        int gid = -1;
        String home = null;
        String name = null;
        if (user != null) {
            String[] pw = lookup(method, "passwd", "user", user);
            name = pw[0];
            uid = Integer.parseInt(pw[2]);
            gid = Integer.parseInt(pw[3]);
            home = pw[5];
        }
        if (group != null) {
            gid = Integer.parseInt(lookup(method, "group", "group", group)[2]);
        }
        return new RunAs(uid, gid, name, home);
    }

    /** {@code setpriv ... -- argv...}. */
    List<String> wrap(List<String> argv) {
        List<String> out = new ArrayList<>();
        out.add(SETPRIV.toString());
        if (uid >= 0) {
            out.add("--reuid=" + uid);
        }
        out.add("--regid=" + gid);
        out.add(uid >= 0 ? "--init-groups" : "--clear-groups");
        out.add("--");
        out.addAll(argv);
        return out;
    }

    /** HOME, USER and LOGNAME of the user (nothing with only a group). */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        if (name != null) {
            env.put("HOME", home);
            env.put("USER", name);
            env.put("LOGNAME", name);
        }
        return env;
    }

    private static String[] lookup(String method, String database, String what, String key) {
        if (!NAME.matcher(key).matches()) {
            throw new IllegalArgumentException(method + ": option " + what + " must be a name or a number, got '" + key + "'");
        }
        try {
            ProcessRunner.Result r = ProcessRunner.run(List.of("getent", database, key), null, Map.of(),
                    Duration.ofSeconds(10), 64 * 1024);
            String[] fields = r.stdout().strip().split(":", -1);
            if (r.exitCode() != 0 || fields.length < (database.equals("passwd") ? 7 : 3)) {
                throw new IllegalArgumentException(method + ": option " + what + ": no " + what + " '" + key
                        + "' on this minion");
            }
            return fields;
        } catch (IOException | ProcessRunner.TimedOut e) {
            throw new IllegalArgumentException(method + ": option " + what + ": cannot look up '" + key + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException(method + ": interrupted while looking up " + what + " '" + key + "'");
        }
    }

    /** True when this process runs as root (uid 0). */
    static boolean minionIsRoot() {
        return ownUid() == 0;
    }

    private static long ownUid() {
        return new com.sun.security.auth.module.UnixSystem().getUid();
    }
}
