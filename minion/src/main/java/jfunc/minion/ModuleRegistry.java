package jfunc.minion;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import jfunc.common.Config.ConfigException;
import jfunc.common.Faults;
import jfunc.common.WireValues;
import jfunc.common.job.JobProtocol;
import org.apache.xmlrpc.XmlRpcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The minion's methods by name ({@code module.method}), and the one place that checks arguments
 * and runs a handler. Modules come from {@link ServiceLoader} ({@link #discover}) and from
 * {@link #add} at start-up. Also used outside XML-RPC: the async
 * runner calls {@link #validate} when a job is submitted and {@link #invoke} when it runs.
 *
 * <p>Registration happens before serving; lookups afterwards are lock-free. Thread-safe.
 */
public final class ModuleRegistry {
    private static final Logger log = LoggerFactory.getLogger(ModuleRegistry.class);
    private static final Pattern MODULE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    /** Names the dispatcher and the job service own; no module may take them. */
    public static final Set<String> RESERVED = Set.of("system", "async", JobProtocol.JOBS_MODULE);
    private static final Set<String> SYSTEM_METHODS = Set.of("system.list_modules", "system.list_methods",
            "system.method_help", "system.multicall");

    private final MinionSettings settings;
    private final Map<String, MinionModule> modules = new ConcurrentHashMap<>();
    private final Map<String, MethodSpec> methods = new ConcurrentHashMap<>();
    private volatile Telemetry telemetry = Telemetry.NONE;

    public ModuleRegistry(MinionSettings settings) {
        this.settings = settings;
    }

    /** Where the dispatcher and the job service report for metrics; set before they start (default: none). */
    public void telemetry(Telemetry sink) {
        this.telemetry = sink == null ? Telemetry.NONE : sink;
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    /**
     * The metrics label for a called method: the name when the registry (or system.*) has it,
     * {@code async.} plus it for a submission of one, else "other" (so callers cannot make labels up).
     */
    public String metricsName(String method) {
        if (method == null) {
            return "other";
        }
        String inner = method.startsWith(JobProtocol.ASYNC_PREFIX)
                ? method.substring(JobProtocol.ASYNC_PREFIX.length()) : method;
        return methods.containsKey(inner) || SYSTEM_METHODS.contains(inner)
                || JobProtocol.METHODS.contains(inner) ? method : "other";
    }

    /**
     * Loads every module the class loader's {@code META-INF/services/jfunc.minion.MinionModule}
     * lists. A module that cannot be loaded, has a bad or duplicate name, or fails to configure
     * is refused with an ERROR log line and the others still load; a configuration error
     * ({@link ConfigException}) stops start-up.
     */
    public static ModuleRegistry discover(MinionSettings settings, ClassLoader loader) throws ConfigException {
        ModuleRegistry registry = new ModuleRegistry(settings);
        var it = ServiceLoader.load(MinionModule.class, loader).iterator();
        while (true) {
            MinionModule module;
            try {
                if (!it.hasNext()) {
                    break;
                }
                module = it.next();
            } catch (ServiceConfigurationError e) {
                log.error("module not loaded: {}", e.getMessage());
                continue;
            }
            try {
                registry.add(module);
            } catch (IllegalArgumentException e) {
                log.error("module {} refused: {}", module.getClass().getName(), e.getMessage());
            }
        }
        return registry;
    }

    /**
     * Configures and registers one module. Throws IllegalArgumentException (nothing registered)
     * for a bad or duplicate module name, a bad method name or a failure in configure/methods.
     */
    public synchronized void add(MinionModule module) throws ConfigException {
        String name = module.name();
        if (name == null || !MODULE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad module name '" + name + "': use [a-z][a-z0-9_]*");
        }
        if (RESERVED.contains(name)) {
            throw new IllegalArgumentException("module name '" + name + "' is reserved");
        }
        MinionModule existing = modules.get(name);
        if (existing != null) {
            throw new IllegalArgumentException("a module named '" + name + "' is already loaded from "
                    + existing.getClass().getName() + "; refusing " + module.getClass().getName());
        }
        List<MethodSpec> specs;
        try {
            module.configure(settings);
            specs = List.copyOf(module.methods());
        } catch (ConfigException e) {
            throw new ConfigException("module " + name + ": " + e.getMessage());
        } catch (Exception e) {
            throw new IllegalArgumentException("module " + name + " failed to start: " + e, e);
        }
        Map<String, MethodSpec> mine = new LinkedHashMap<>();
        for (MethodSpec spec : specs) {
            if (mine.put(name + "." + spec.name(), spec) != null) {
                throw new IllegalArgumentException("module " + name + " declares " + spec.name() + " twice");
            }
        }
        modules.put(name, module);
        methods.putAll(mine);
        log.debug("module {} ({}): {} methods", name, module.getClass().getName(), mine.size());
    }

    /** Module names, sorted. */
    public List<String> modules() {
        return new ArrayList<>(new TreeMap<>(modules).keySet());
    }

    /** Full method names ({@code module.method}), sorted. */
    public List<String> methods() {
        List<String> all = new ArrayList<>(methods.keySet());
        Collections.sort(all);
        return all;
    }

    public Optional<MethodSpec> find(String method) {
        return Optional.ofNullable(method == null ? null : methods.get(method));
    }

    /**
     * Checks that {@code method} exists and {@code args} fit its declaration.
     *
     * @throws XmlRpcException UNKNOWN_METHOD ("unknown method nope.x") or BAD_ARGUMENTS
     *     ("command.run: argument 1 must be string or array, got int")
     */
    public void validate(String method, List<Object> args) throws XmlRpcException {
        check(method, args);
    }

    /**
     * Validates, then runs the handler on the calling thread. The result is already converted
     * with {@link WireValues}. Handler failures become faults: its own XmlRpcException as is,
     * IllegalArgumentException as BAD_ARGUMENTS, other checked exceptions as MODULE_ERROR,
     * interruption as UNAVAILABLE, a bug (RuntimeException) as INTERNAL_ERROR (logged).
     */
    public Object invoke(String method, List<Object> args, CallContext context) throws XmlRpcException {
        MethodSpec spec = check(method, args);
        if (spec.readOnly()) {
            return merges.call(method, args, () -> run(spec, method, args, context));
        }
        return run(spec, method, args, context);
    }

    private final InFlightMerges merges = new InFlightMerges();

    /** The read-only methods (MODULE.METHOD): identical calls in flight share one answer. */
    public List<String> readOnlyMethods() {
        return methods().stream().filter(m -> find(m).map(MethodSpec::readOnly).orElse(false)).toList();
    }

    /** Calls answered with an identical call's answer (merged requests) since start. */
    public long mergedCalls() {
        return merges.merged();
    }

    private Object run(MethodSpec spec, String method, List<Object> args, CallContext context) throws XmlRpcException {
        try {
            return WireValues.toWire(spec.handler().handle(new Args(method, args), context));
        } catch (XmlRpcException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, prefixed(method, e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new XmlRpcException(Faults.UNAVAILABLE, method + ": interrupted (minion shutting down or job cancelled)");
        } catch (RuntimeException e) {
            log.error("{} called by {} failed", method, context.caller(), e);
            throw new XmlRpcException(Faults.INTERNAL_ERROR, method + ": internal error: " + e);
        } catch (Exception e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new XmlRpcException(Faults.MODULE_ERROR, prefixed(method, why));
        }
    }

    private MethodSpec check(String method, List<Object> args) throws XmlRpcException {
        MethodSpec spec = find(method).orElseThrow(() -> new XmlRpcException(Faults.UNKNOWN_METHOD,
                "unknown method " + printable(method)));
        int n = args.size();
        if (n < spec.minArgs() || n > spec.maxArgs()) {
            String wanted = spec.minArgs() == spec.maxArgs() ? String.valueOf(spec.maxArgs())
                    : spec.minArgs() + " to " + spec.maxArgs();
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + ": takes " + wanted + " argument"
                    + (spec.maxArgs() == 1 ? "" : "s") + ", got " + n + " (" + spec.signature() + ")");
        }
        for (int i = 0; i < n; i++) {
            MethodSpec.Param p = spec.params().get(i);
            if (!p.accepts(args.get(i))) {
                throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + ": argument " + (i + 1) + " must be "
                        + p.typeText() + ", got " + ArgType.nameOf(args.get(i)));
            }
        }
        return spec;
    }

    private static String prefixed(String method, String message) {
        return message != null && message.startsWith(method + ":") ? message : method + ": " + message;
    }

    static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
