package jfunc.overlord.cli;

import java.util.Map;

/**
 * What Salt (and Func) users type, and the jfunc command that does the same: the source of the
 * "did you mean" for a mistyped top-level word or method.
 */
final class SaltWords {
    /** Salt function → jfunc command after the TARGET. */
    private static final Map<String, String> COMMANDS = Map.ofEntries(
            Map.entry("cmd.run", "call command run"),
            Map.entry("cmd.run_all", "call command run"),
            Map.entry("cmd.retcode", "call command run"),
            Map.entry("cmd.shell", "call command run"),
            Map.entry("test.ping", "ping"),
            Map.entry("test.echo", "call test echo"),
            Map.entry("cp.get_file", "push LOCAL REMOTE"),
            Map.entry("cp.push", "pull REMOTE LOCAL_DIR"),
            Map.entry("grains.items", "call facts all"),
            Map.entry("grains.item", "call facts all --table FIELD,..."),
            Map.entry("grains.get", "call facts all --table FIELD,..."),
            Map.entry("sys.list_functions", "call system list_methods"),
            Map.entry("sys.doc", "call system method_help MODULE.METHOD"),
            Map.entry("service.restart", "call service restart"),
            Map.entry("service.start", "call service start"),
            Map.entry("service.stop", "call service stop"),
            Map.entry("service.status", "call service status"),
            Map.entry("ps.kill_pid", "call process kill"),
            Map.entry("status.procs", "call process info"));

    private SaltWords() {}

    /** The jfunc command for a Salt function name, or null. */
    static String command(String word) {
        return COMMANDS.get(word);
    }

    /** The jfunc method for a Salt function name ("cmd.run" → "command.run"), or null. */
    static String method(String word) {
        String c = COMMANDS.get(word);
        if (c == null || !c.startsWith("call ")) {
            return c != null && c.equals("ping") ? "test.ping" : null;
        }
        String[] w = c.split(" ");
        return w[1] + "." + w[2];
    }
}
