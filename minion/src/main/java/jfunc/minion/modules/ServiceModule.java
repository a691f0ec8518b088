package jfunc.minion.modules;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jfunc.common.Faults;
import jfunc.minion.ArgType;
import jfunc.minion.Args;
import jfunc.minion.CallContext;
import jfunc.minion.MethodSpec;
import jfunc.minion.MinionModule;
import jfunc.minion.MinionSettings;
import org.apache.xmlrpc.XmlRpcException;

/**
 * {@code service.status/start/stop/restart(name)} through systemctl. Where systemd is not the
 * running service manager (no {@code /run/systemd/system}, e.g. in containers) or systemctl is
 * missing, every call is a NOT_SUPPORTED fault that says so.
 */
public final class ServiceModule implements MinionModule {
    /** Unit names as systemd allows them; no leading '-' so a name is never an option. */
    static final Pattern UNIT = Pattern.compile("[A-Za-z0-9_@:.\\\\][A-Za-z0-9_@:.\\\\-]{0,255}");
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private Path systemdDir = Path.of("/run/systemd/system");

    @Override
    public String name() {
        return "service";
    }

    @Override
    public void configure(MinionSettings settings) {
        systemdDir = settings.serviceSystemdDir();
    }

    @Override
    public List<MethodSpec> methods() {
        return List.of(
                MethodSpec.method("status").readOnly().help("The state of a systemd unit: {name, load, active, sub, enabled, main_pid, description}.")
                        .param("name", ArgType.STRING).handler(this::status),
                action("start"), action("stop"), action("restart"));
    }

    private MethodSpec action(String verb) {
        return MethodSpec.method(verb).help("systemctl " + verb + " NAME; returns the unit's status afterwards.")
                .param("name", ArgType.STRING)
                .handler((a, c) -> {
                    String unit = unit(a);
                    systemctl(a, List.of(verb, "--", unit));
                    return status(a, c);
                });
    }

    private Object status(Args a, CallContext ctx) throws Exception {
        String unit = unit(a);
        ProcessRunner.Result r = systemctl(a, List.of("show", "--property=LoadState,ActiveState,SubState,UnitFileState,"
                + "MainPID,Description", "--", unit));
        Map<String, String> props = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                props.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", unit);
        out.put("load", props.get("LoadState"));
        out.put("active", props.get("ActiveState"));
        out.put("sub", props.get("SubState"));
        out.put("enabled", props.get("UnitFileState"));
        out.put("main_pid", props.get("MainPID"));
        out.put("description", props.get("Description"));
        return out;
    }

    private static String unit(Args a) {
        String name = a.string(0);
        if (!UNIT.matcher(name).matches()) {
            throw a.bad("'" + PathRoots.printable(name) + "' is not a valid unit name");
        }
        return name;
    }

    private ProcessRunner.Result systemctl(Args a, List<String> args) throws Exception {
        String systemctl = findSystemctl();
        if (systemctl == null) {
            throw new XmlRpcException(Faults.NOT_SUPPORTED, a.method() + ": systemctl is not installed on this host");
        }
        if (!Files.isDirectory(systemdDir)) {
            throw new XmlRpcException(Faults.NOT_SUPPORTED, a.method() + ": systemd is not the running service manager"
                    + " on this host (no " + systemdDir + "), so services cannot be managed with systemctl");
        }
        List<String> argv = new java.util.ArrayList<>();
        argv.add(systemctl);
        argv.add("--no-pager");
        argv.add("--no-ask-password");
        argv.addAll(args);
        ProcessRunner.Result r;
        try {
            r = ProcessRunner.run(argv, null, Map.of("SYSTEMD_PAGER", ""), TIMEOUT, 64 * 1024);
        } catch (ProcessRunner.TimedOut e) {
            throw new XmlRpcException(Faults.TIMEOUT, a.method() + ": systemctl " + e.getMessage());
        }
        if (r.exitCode() != 0) {
            throw new java.io.IOException("systemctl " + String.join(" ", args) + " failed (exit " + r.exitCode() + "): "
                    + XmlText.clean(r.stderr().strip()));
        }
        return r;
    }

    private static String findSystemctl() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "systemctl");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        for (String p : List.of("/usr/bin/systemctl", "/bin/systemctl")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }
}
