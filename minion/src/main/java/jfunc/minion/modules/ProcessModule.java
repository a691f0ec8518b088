package jfunc.minion.modules;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jfunc.common.Config;
import jfunc.minion.ArgType;
import jfunc.minion.Args;
import jfunc.minion.CallContext;
import jfunc.minion.MethodSpec;
import jfunc.minion.MinionModule;
import jfunc.minion.MinionSettings;

/**
 * {@code process.info()}: the host's processes as {pid, ppid, user, command, start} structs (at
 * most {@code process_info_limit}, default 5000, lowest pids first); {@code process.kill(pid[,
 * signal])} sends a signal with {@code kill}.
 */
public final class ProcessModule implements MinionModule {
    static final Set<String> SIGNALS = Set.of("HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "STOP",
            "CONT", "ALRM", "WINCH");
    private static final int MAX_COMMAND = 4096;
    private int limit = 5000;

    @Override
    public String name() {
        return "process";
    }

    @Override
    public void configure(MinionSettings settings) throws Config.ConfigException {
        limit = settings.config().getInt("process_info_limit", limit);
        if (limit < 1) {
            throw new Config.ConfigException("process_info_limit must be at least 1");
        }
    }

    @Override
    public List<MethodSpec> methods() {
        return List.of(
                MethodSpec.method("info").readOnly()
                        .help("The processes on the host: {pid, ppid, user, command, start} (at most " + limit + ").")
                        .handler(this::info),
                MethodSpec.method("kill")
                        .help("Sends a signal (name such as TERM or KILL, or number; default TERM) to a process.")
                        .param("pid", ArgType.INT).optional("signal", ArgType.STRING, ArgType.INT)
                        .handler(this::kill));
    }

    private Object info(Args a, CallContext ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        ProcessHandle.allProcesses().sorted().limit(limit).forEach(p -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", (int) p.pid());
            p.parent().ifPresent(parent -> m.put("ppid", (int) parent.pid()));
            ProcessHandle.Info info = p.info();
            info.user().ifPresent(u -> m.put("user", u));
            info.commandLine().or(info::command).ifPresent(c ->
                    m.put("command", XmlText.clean(c.length() > MAX_COMMAND ? c.substring(0, MAX_COMMAND) + "..." : c)));
            info.startInstant().ifPresent(s -> m.put("start", s));
            out.add(m);
        });
        return out;
    }

    private Object kill(Args a, CallContext ctx) throws Exception {
        int pid = a.integer(0);
        if (pid <= 1) {
            throw a.bad("pid must be a single process above 1, got " + pid);
        }
        if (pid == ProcessHandle.current().pid()) {
            throw a.bad("refusing to signal the minion itself (pid " + pid + ")");
        }
        String signal = signal(a);
        ProcessRunner.Result r;
        try {
            r = ProcessRunner.run(List.of("kill", "-s", signal, String.valueOf(pid)), null, null, Duration.ofSeconds(10), 4096);
        } catch (ProcessRunner.TimedOut e) {
            throw new java.io.IOException("kill did not finish: " + e.getMessage());
        }
        if (r.exitCode() != 0) {
            throw new java.io.IOException("kill -s " + signal + " " + pid + " failed: " + r.stderr().strip());
        }
        return true;
    }

    private static String signal(Args a) {
        if (!a.has(1)) {
            return "TERM";
        }
        if (a.get(1) instanceof Integer n) {
            if (n < 0 || n > 64) {
                throw a.bad("signal number must be 0-64, got " + n);
            }
            return String.valueOf(n);
        }
        String s = a.string(1).toUpperCase(Locale.ROOT);
        s = s.startsWith("SIG") ? s.substring(3) : s;
        if (!SIGNALS.contains(s)) {
            throw a.bad("unknown signal '" + PathRoots.printable(a.string(1)) + "' (known: " + new java.util.TreeSet<>(SIGNALS) + ")");
        }
        return s;
    }
}
