package jfunc.minion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Faults;
import jfunc.common.WireValues;
import jfunc.common.job.JobCall;
import jfunc.common.job.JobProtocol;
import jfunc.common.rpc.RpcCall;
import jfunc.common.rpc.RpcDispatcher;
import jfunc.common.tls.Caller;
import jfunc.minion.jobs.JobService;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Routes one XML-RPC call: authorisation by certificate (overlord mark, else ACL by name) first (nothing else is revealed
 * to a caller that may not call the method), then the {@code system.*} methods, then the job
 * service ({@code async.*} and {@code jobs.*}, parsed once into a {@link JobCall}), then the modules.
 */
final class MinionDispatcher implements RpcDispatcher {
    static final int MAX_MULTICALL = 1000;

    private final ModuleRegistry registry;
    private final JobService jobs;
    private volatile Acl acl;

    MinionDispatcher(ModuleRegistry registry, JobService jobs, Acl acl) {
        this.registry = registry;
        this.jobs = jobs;
        this.acl = acl;
    }

    /** Replaces the ACL (reload without restart). */
    void acl(Acl newAcl) {
        this.acl = newAcl;
    }

    @Override
    public boolean admits(Caller caller) {
        return acl.knows(caller);
    }

    @Override
    public Object call(RpcCall call) throws XmlRpcException {
        Acl rules = acl;
        Caller caller = call.caller();
        CallContext ctx = new CallContext(caller.name(), m -> rules.allows(caller, m));
        if ("system.multicall".equals(call.method())) {
            if (!rules.knows(caller)) {
                XmlRpcException refused = CallContext.forbidden(caller.name(), call.method());
                CallAudit.record(caller.name(), call.method(), System.nanoTime(), refused);
                registry.telemetry().call(call.method(), String.valueOf(refused.code));
                throw refused;
            }
            List<Object> calls = multicallEntries(call.params());
            return jobs.batch(methodNames(calls), () -> multicall(calls, ctx));
        }
        return single(call.method(), call.params(), ctx);
    }

    /** One method call (alone or inside a multicall), with its audit line. */
    private Object single(String method, List<Object> params, CallContext ctx) throws XmlRpcException {
        long start = System.nanoTime();
        try {
            Object result = route(method, params, ctx);
            CallAudit.record(ctx.caller(), method, start, null);
            registry.telemetry().call(registry.metricsName(method), "ok");
            return result;
        } catch (XmlRpcException | RuntimeException e) {
            CallAudit.record(ctx.caller(), method, start, e);
            registry.telemetry().call(registry.metricsName(method), e instanceof XmlRpcException x ? String.valueOf(x.code)
                    : "error");
            throw e;
        }
    }

    private Object route(String method, List<Object> params, CallContext ctx) throws XmlRpcException {
        if (method == null || method.isEmpty()) {
            throw new XmlRpcException(Faults.MALFORMED_REQUEST, "no method name");
        }
        ctx.checkAllowed(method);
        if (method.startsWith("system.")) {
            return system(method, params, ctx);
        }
        if (JobProtocol.isJobMethod(method)) {
            return WireValues.toWire(jobs.call(JobCall.parse(method, params), ctx));
        }
        return registry.invoke(method, params, ctx);
    }

    private Object system(String method, List<Object> params, CallContext ctx) throws XmlRpcException {
        switch (method) {
            case "system.list_modules" -> {
                noArgs(method, params);
                List<String> modules = new ArrayList<>(registry.modules());
                modules.add(JobProtocol.JOBS_MODULE);
                modules.sort(null);
                return modules;
            }
            case "system.list_methods" -> {
                noArgs(method, params);
                List<String> out = new ArrayList<>();
                for (String m : List.of("system.list_modules", "system.list_methods", "system.list_read_only_methods",
                        "system.method_help", "system.multicall")) {
                    if (ctx.mayCall(m)) {
                        out.add(m);
                    }
                }
                List<String> methods = new ArrayList<>(registry.methods());
                methods.addAll(JobProtocol.METHODS);
                methods.sort(null);
                methods.stream().filter(ctx::mayCall).forEach(out::add);
                return out;
            }
            case "system.list_read_only_methods" -> {
                noArgs(method, params);
                return registry.readOnlyMethods().stream().filter(ctx::mayCall).toList();
            }
            case "system.method_help" -> {
                if (params.size() != 1 || !(params.get(0) instanceof String m)) {
                    throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + ": takes 1 argument (method: string)");
                }
                // help describes only what the caller may call (it names paths, roots, limits)
                ctx.checkAllowed(m);
                return help(m);
            }
            default -> throw new XmlRpcException(Faults.UNKNOWN_METHOD, "unknown method " + ModuleRegistry.printable(method));
        }
    }

    private String help(String method) throws XmlRpcException {
        switch (method) {
            case "system.list_modules":
                return "system.list_modules(): the names of the loaded modules";
            case "system.list_methods":
                return "system.list_methods(): the methods you may call";
            case "system.method_help":
                return "system.method_help(method: string): this text for a method";
            case "system.list_read_only_methods":
                return "system.list_read_only_methods(): the methods you may call that change nothing: identical calls"
                        + " in flight share one answer";
            case "system.multicall":
                return "system.multicall(calls: array of {methodName, params}): runs up to " + MAX_MULTICALL
                        + " calls in one round trip; each result is [value] or {faultCode, faultString}";
            default:
                break;
        }
        JobCall.Spec job = JobCall.spec(method);
        if (job != null) {
            return method.substring(0, method.indexOf('.')) + "." + job.signature() + ": " + job.help();
        }
        MethodSpec spec = registry.find(method).orElseThrow(() -> new XmlRpcException(Faults.UNKNOWN_METHOD,
                "unknown method " + ModuleRegistry.printable(method)));
        String module = method.substring(0, method.indexOf('.'));
        return module + "." + spec.signature() + (spec.help().isEmpty() ? "" : ": " + spec.help())
                + (spec.readOnly() ? " (read-only: identical calls in flight share one answer)" : "");
    }

    /** The method names the entries name (null for an entry without one; subCall reports it). */
    private static List<String> methodNames(List<Object> calls) {
        List<String> names = new ArrayList<>(calls.size());
        for (Object c : calls) {
            names.add(c instanceof Map<?, ?> m && m.get("methodName") instanceof String s ? s : null);
        }
        return names;
    }

    /** The calls of a multicall, or fault 103 when it is not one array of at most MAX_MULTICALL. */
    private static List<Object> multicallEntries(List<Object> params) throws XmlRpcException {
        if (params.size() != 1 || !ArgType.ARRAY.accepts(params.get(0))) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS,
                    "system.multicall: takes 1 argument (calls: array of {methodName, params})");
        }
        List<Object> calls = new Args("system.multicall", params).array(0);
        if (calls.size() > MAX_MULTICALL) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, "system.multicall: at most " + MAX_MULTICALL
                    + " calls in one batch, got " + calls.size());
        }
        return calls;
    }

    private List<Object> multicall(List<Object> calls, CallContext ctx) throws XmlRpcException {
        List<Object> results = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            try {
                results.add(new Object[] {subCall(i, calls.get(i), ctx)});
            } catch (XmlRpcException e) {
                Map<String, Object> fault = new LinkedHashMap<>();
                fault.put("faultCode", e.code);
                fault.put("faultString", e.getMessage() == null ? "" : e.getMessage());
                results.add(fault);
            }
        }
        return results;
    }

    private Object subCall(int i, Object entry, CallContext ctx) throws XmlRpcException {
        if (!(entry instanceof Map<?, ?> struct) || !(struct.get("methodName") instanceof String method)) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, "system.multicall: call " + (i + 1)
                    + " must be a struct with methodName (string) and params (array)");
        }
        Object p = struct.get("params");
        List<Object> params;
        if (p == null) {
            params = List.of();
        } else if (p instanceof Object[] a) {
            params = java.util.Arrays.asList(a);
        } else {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, "system.multicall: params of call " + (i + 1)
                    + " (" + ModuleRegistry.printable(method) + ") must be an array, got " + ArgType.nameOf(p));
        }
        if ("system.multicall".equals(method)) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, "system.multicall: nested system.multicall is not allowed");
        }
        if (JobProtocol.WAIT.equals(method)) {
            // 1,000 waits of up to jobs.max_wait each would hold a worker for days, and jobs
            // submitted in the same batch only start when it ends
            throw new XmlRpcException(Faults.BAD_ARGUMENTS,
                    "system.multicall: " + JobProtocol.WAIT + " cannot run inside a multicall; call it alone, or use "
                            + JobProtocol.STATUS_MANY);
        }
        return single(method, params, ctx);
    }

    private static void noArgs(String method, List<Object> params) throws XmlRpcException {
        if (!params.isEmpty()) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + ": takes no arguments, got " + params.size());
        }
    }
}
