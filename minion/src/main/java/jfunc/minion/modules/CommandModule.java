package jfunc.minion.modules;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Config;
import jfunc.common.Faults;
import jfunc.minion.ArgType;
import jfunc.minion.Args;
import jfunc.minion.MethodSpec;
import jfunc.minion.MinionModule;
import jfunc.minion.MinionSettings;
import org.apache.xmlrpc.XmlRpcException;

/**
 * {@code command.run(cmd[, options])}: a string runs through {@code /bin/sh -c}, an array is the
 * argv (no shell). Options: {@code timeout} (seconds), {@code cwd}, {@code env} (struct of
 * strings, added to the minion's environment), {@code user} / {@code group} (run as them: see
 * {@link RunAs}; only on a minion running as root). Returns {@code [exit_code, stdout, stderr]}.
 *
 * <p>Config: {@code command_output_cap} (bytes kept per stream, default 1MiB; more is dropped
 * with a marker), {@code command_timeout} (default when the caller gives none, 1h),
 * {@code command_max_timeout} (the longest a caller may ask for, 24h).
 */
public final class CommandModule implements MinionModule {
    private long outputCap = 1024 * 1024;
    private Duration defaultTimeout = Duration.ofHours(1);
    private Duration maxTimeout = Duration.ofHours(24);

    @Override
    public String name() {
        return "command";
    }

    @Override
    public void configure(MinionSettings settings) throws Config.ConfigException {
        Config c = settings.config();
        outputCap = c.getBytes("command_output_cap", outputCap);
        defaultTimeout = c.getDuration("command_timeout", defaultTimeout);
        maxTimeout = c.getDuration("command_max_timeout", maxTimeout);
        if (outputCap < 1 || outputCap > Integer.MAX_VALUE - 64) {
            throw new Config.ConfigException("command_output_cap must be between 1 byte and 2GiB");
        }
        if (defaultTimeout.isZero() || defaultTimeout.compareTo(maxTimeout) > 0) {
            throw new Config.ConfigException("command_timeout must be above 0 and at most command_max_timeout");
        }
    }

    @Override
    public List<MethodSpec> methods() {
        return List.of(MethodSpec.method("run")
                .help("Runs a command: a string through /bin/sh -c, an array as argv without a shell."
                        + " Options: timeout (seconds), cwd (string), env (struct of strings),"
                        + " user and group (names or numbers; the minion must run as root)."
                        + " Returns [exit_code, stdout, stderr]; each output is kept up to " + outputCap + " bytes.")
                .param("cmd", ArgType.STRING, ArgType.ARRAY)
                .optional("options", ArgType.STRUCT)
                .handler(this::run));
    }

    private Object run(Args a, jfunc.minion.CallContext ctx) throws Exception {
        List<String> argv = argv(a);
        Map<String, Object> options = a.struct(1);
        Duration timeout = defaultTimeout;
        Path cwd = null;
        Map<String, String> env = new LinkedHashMap<>();
        String user = null;
        String group = null;
        for (Map.Entry<String, Object> o : options.entrySet()) {
            switch (o.getKey()) {
                case "timeout" -> timeout = timeout(a, o.getValue());
                case "cwd" -> cwd = cwd(a, o.getValue());
                case "env" -> env = env(a, o.getValue());
                case "user" -> user = name(a, "user", o.getValue());
                case "group" -> group = name(a, "group", o.getValue());
                default -> throw a.bad("unknown option '" + o.getKey() + "' (known: timeout, cwd, env, user, group)");
            }
        }
        if (user != null || group != null) {
            RunAs as = RunAs.resolve(a.method(), user, group, RunAs.minionIsRoot());
            argv = as.wrap(argv);
            Map<String, String> withUser = new LinkedHashMap<>(as.environment());
            withUser.putAll(env);
            env = withUser;
        }
        try {
            ProcessRunner.Result r = ProcessRunner.run(argv, cwd, env, timeout, outputCap, ctx.job());
            return List.of(r.exitCode(), XmlText.clean(r.stdout()), XmlText.clean(r.stderr()));
        } catch (ProcessRunner.TimedOut e) {
            throw new XmlRpcException(Faults.TIMEOUT, a.method() + ": " + e.getMessage());
        } catch (java.io.IOException e) {
            throw new java.io.IOException("cannot run '" + argv.get(0) + "': " + e.getMessage());
        }
    }

    private static List<String> argv(Args a) {
        if (a.get(0) instanceof String s) {
            if (s.isBlank()) {
                throw a.bad("the command is empty");
            }
            return List.of("/bin/sh", "-c", s);
        }
        List<String> argv = new ArrayList<>();
        for (Object o : a.array(0)) {
            if (!(o instanceof String s) || s.indexOf('\0') >= 0) {
                throw a.bad("argv must be an array of strings, got " + ArgType.nameOf(o) + " at index " + argv.size());
            }
            argv.add(s);
        }
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw a.bad("argv is empty");
        }
        return argv;
    }

    private Duration timeout(Args a, Object v) {
        if (!(v instanceof Integer || v instanceof Double) || !(((Number) v).doubleValue() > 0)) {
            throw a.bad("option timeout must be a positive number of seconds, got " + v);
        }
        Duration d = Duration.ofMillis(Math.round(((Number) v).doubleValue() * 1000));
        if (d.compareTo(maxTimeout) > 0) {
            throw a.bad("option timeout may be at most " + maxTimeout.toSeconds() + " seconds, got " + v);
        }
        return d;
    }

    private static Path cwd(Args a, Object v) {
        try {
            if (v instanceof String s && Files.isDirectory(Path.of(s))) {
                return Path.of(s);
            }
        } catch (InvalidPathException e) {
            // reported below
        }
        throw a.bad("option cwd must name an existing directory, got '" + v + "'");
    }

    private static String name(Args a, String option, Object v) {
        if (!(v instanceof String s) || s.isEmpty()) {
            throw a.bad("option " + option + " must be a name or a number as a string, got " + ArgType.nameOf(v));
        }
        return s;
    }

    private static Map<String, String> env(Args a, Object v) {
        if (!(v instanceof Map<?, ?> m)) {
            throw a.bad("option env must be a struct of strings, got " + ArgType.nameOf(v));
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = String.valueOf(e.getKey());
            if (k.isEmpty() || k.contains("=") || k.indexOf('\0') >= 0
                    || !(e.getValue() instanceof String s) || s.indexOf('\0') >= 0) {
                throw a.bad("option env: '" + k + "' must be a name without '=' with a string value");
            }
            env.put(k, s);
        }
        return env;
    }
}
